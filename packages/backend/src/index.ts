/**
 * Backend selection, seeded randomness and correct second-order gradients for TensorFlow.js:
 * the ground every other Gantry package stands on.
 *
 * @packageDocumentation
 */
export {
  BACKEND_NAMES,
  BackendUnavailableError,
  selectBackend,
  type BackendName,
  type BackendRequest,
  type BackendSelection,
  type SelectBackendOptions,
  type SkippedBackend,
} from './select-backend.js';
export {
  disableHigherOrderGradients,
  enableHigherOrderGradients,
  higherOrderGradientsEnabled,
} from './higher-order-gradients.js';
export { categoricalThresholds, createRandom, type Random, type RandomState } from './random.js';
export {
  checkGradients,
  type GradientCheckEntry,
  type GradientCheckOptions,
  type GradientCheckResult,
} from './finite-differences.js';
export { AdamUpdate, type AdamUpdateAttrs } from './adam-kernel.js';
export { variableGradsFreeingTape } from './tape-release.js';
export { conv2dFilterGradient, conv2dInputGradient, registerWasmKernels } from './wasm-kernels.js';
export {
  describeValue,
  expectFinite,
  expectNumber,
  expectProbabilityRows,
  expectTensor,
  formatShape,
  InvalidArgumentError,
  PROBABILITY_SUM_TOLERANCE,
  setValueChecks,
  valueChecksEnabled,
  type TensorSpec,
} from './checks.js';

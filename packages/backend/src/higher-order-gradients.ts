import * as tf from '@tensorflow/tfjs-core';
import { ensureGradientsRegistered } from './platform.js';

/*
 * Why this module exists (TF.js 4.22, tfjs#3252):
 *
 * 1. When a kernel's gradient needs the kernel's own output (Tanh, Sigmoid, Exp,
 *    Softmax, the customGrad of logSoftmax, Elu, Pow, Max, Min, MaxPool, LRN), the
 *    engine saves a clone of that output and records the clone on the tape *before*
 *    it records the kernel itself. Differentiating the gradient then walks the tape in
 *    order, finds a clone whose input nobody has produced yet, and drops it: every
 *    second-order path through a saved output silently vanishes. We move those clone
 *    nodes behind the kernel that produced their input, which is where they belong.
 * 2. Comparison and logical kernels have no gradient at all, so the double backward of
 *    leakyRelu (Greater), max (Equal), where (LogicalNot) ... throws. Their outputs are
 *    piecewise constant, so their gradient is exactly zero almost everywhere.
 * 3. A few gradient kernels have no gradient of their own (EluGrad, AvgPoolGrad,
 *    Conv2DBackpropFilter). We register them, so elu, average pooling and transposed
 *    convolutions can sit inside a gradient penalty.
 * 4. Every tensor a kernel saves for its gradient is cloned by running the Identity kernel,
 *    and the clone's gradient runs the Cast kernel. On wasm both copy the data: about 940
 *    of the ~2,100 kernels of a VCAGAN step at 4 × 128 (docs/benchmarks.md). TF.js tensors
 *    are immutable, so on the backends whose tensors count references (cpu, wasm, webgl,
 *    webgpu) a saved tensor can share its data instead: the same tape node, with an
 *    identity gradient that shares data the same way, and no kernel at all.
 * 5. LeakyRelu's gradient is where(x > 0, dy, dy·α): a comparison and a select, plain loops
 *    on wasm. dy·step(x, α) gives the same bits from two fast kernels.
 */

interface TapeNode {
  inputs: Record<string, tf.Tensor | undefined>;
  outputs: tf.Tensor[];
}

type AddTapeNode = (
  kernelName: string,
  inputs: Record<string, tf.Tensor>,
  outputs: tf.Tensor[],
  gradientsFunc: unknown,
  saved: tf.Tensor[],
  attrs: unknown,
) => void;

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

interface ReferenceCountingBackend {
  incRef(dataId: object): void;
}

interface EngineInternals {
  addTapeNode: AddTapeNode;
  clone(x: tf.Tensor): tf.Tensor;
  isTapeOn(): boolean;
  makeTensorFromTensorInfo(info: TensorInfo, backend: ReferenceCountingBackend): tf.Tensor;
  backendName: string;
  readonly backend: unknown;
  state: {
    activeTape: TapeNode[] | null;
    activeScope: { name: string } | null;
    tensorInfo: WeakMap<object, { backend: ReferenceCountingBackend }>;
  };
}

/** Backends whose Identity kernel itself shares data by reference count (TF.js 4.22). */
const SHARING_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'webgl', 'webgpu']);

/**
 * A tensor on x's data, without a kernel: what cpu's Identity does, for every
 * reference-counting backend. Recorded on the tape when `record`, with a gradient that
 * shares dy's data in turn, so a gradient of this gradient still flows through it.
 */
function shareData(engine: EngineInternals, x: tf.Tensor, record: boolean): tf.Tensor {
  const info = engine.state.tensorInfo.get(x.dataId);
  if (info === undefined) throw new Error(`shareData: tensor ${x.id} has no data (disposed?)`);
  info.backend.incRef(x.dataId);
  const y = engine.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, info.backend);
  if (record) {
    // A name with no registered gradient: addTapeNode would prefer Identity's (a Cast).
    engine.addTapeNode('SharedData', { x }, [y], (dy: tf.Tensor) => ({ x: () => shareData(engine, dy, engine.isTapeOn()) }), [], {});
  }
  return y;
}

/** Kernels whose outputs are piecewise constant in their inputs (their gradient is zero), with their input names. */
const PIECEWISE_CONSTANT_KERNELS: ReadonlyArray<readonly [string, readonly string[]]> = [
  [tf.Equal, ['a', 'b']],
  [tf.NotEqual, ['a', 'b']],
  [tf.Greater, ['a', 'b']],
  [tf.Less, ['a', 'b']],
  [tf.LessEqual, ['a', 'b']],
  [tf.LogicalAnd, ['a', 'b']],
  [tf.LogicalOr, ['a', 'b']],
  [tf.LogicalXor, ['a', 'b']],
  [tf.LogicalNot, ['x']],
  [tf.All, ['x']],
  [tf.Any, ['x']],
];

interface Installed {
  engine: EngineInternals;
  originalAddTapeNode: AddTapeNode;
  originalClone: EngineInternals['clone'];
  replacedGradients: Map<string, tf.GradConfig | undefined>;
}

let installed: Installed | null = null;

function engineInternals(): EngineInternals {
  const engine = tf.engine() as unknown as Partial<EngineInternals>;
  if (typeof engine.addTapeNode !== 'function' || typeof engine.clone !== 'function' || typeof engine.makeTensorFromTensorInfo !== 'function' || engine.state === undefined) {
    throw new Error(
      'enableHigherOrderGradients: the TF.js engine has no addTapeNode/clone/makeTensorFromTensorInfo/state; this build of ' +
        `@tensorflow/tfjs-core (${tf.version_core}) is not the 4.22.x that Gantry supports.`,
    );
  }
  return engine as EngineInternals;
}

/**
 * Reorders the clone nodes that the engine recorded for a kernel's saved outputs so that
 * they follow the kernel on the tape (see the note at the top of this module).
 */
function moveSavedOutputClonesBehindKernel(
  tape: TapeNode[],
  outputs: tf.Tensor[],
  saved: tf.Tensor[],
): void {
  const kernelIndex = tape.length - 1;
  const firstCandidate = Math.max(0, kernelIndex - saved.length);
  // Runs for every recorded kernel that saves tensors: a handful of entries, so plain
  // includes() rather than sets allocated per call.
  const moved: TapeNode[] = [];
  for (let index = kernelIndex - 1; index >= firstCandidate; index--) {
    const node = tape[index];
    if (node === undefined) continue;
    const source = node.inputs['x'];
    const clone = node.outputs[0];
    if (source !== undefined && clone !== undefined && outputs.includes(source) && saved.includes(clone)) {
      tape.splice(index, 1);
      moved.unshift(node);
    }
  }
  if (moved.length > 0) tape.push(...moved);
}

function zeroGradient(kernelName: string, inputNames: readonly string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: [...inputNames],
    gradFunc: (_dy, saved) => {
      const gradients: Record<string, () => tf.Tensor> = {};
      inputNames.forEach((inputName, position) => {
        const input = saved[position] as tf.Tensor;
        gradients[inputName] = () => tf.cast(tf.zerosLike(input), 'float32');
      });
      return gradients;
    },
  };
}

/** The double backward of elu: EluGrad(dy, y) = dy where y > 0, dy·(y + 1) elsewhere. */
const eluGradGradient: tf.GradConfig = {
  kernelName: tf.EluGrad,
  inputsToSave: ['dy', 'y'],
  gradFunc: (ddx, saved) => {
    const [dy, y] = saved as [tf.Tensor, tf.Tensor];
    const incoming = ddx as tf.Tensor;
    const positive = tf.greater(y, 0);
    return {
      dy: () => tf.where(positive, incoming, tf.mul(incoming, tf.add(y, 1))),
      y: () => tf.where(positive, tf.zerosLike(y), tf.mul(incoming, dy)),
    };
  },
};

/** AvgPoolGrad is linear in dy, its adjoint is average pooling itself. */
const avgPoolGradGradient: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['dy', 'input'],
  gradFunc: (ddx, saved, attrs) => {
    const [, input] = saved as [tf.Tensor, tf.Tensor4D];
    const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
    return {
      dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad),
      input: () => tf.zerosLike(input),
    };
  },
};

/** Conv2DBackpropFilter(x, dy) is bilinear: each factor's gradient is a convolution. */
const conv2DBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC') {
      throw new Error(
        `Conv2DBackpropFilter double backward: dataFormat must be 'NHWC', got '${dataFormat}'.`,
      );
    }
    const filterGradient = ddw as tf.Tensor4D;
    return {
      x: () => tf.conv2dTranspose(dy, filterGradient, x.shape, strides, pad, dimRoundingMode),
      dy: () => tf.conv2d(x, filterGradient, strides, pad, 'NHWC', 1, dimRoundingMode),
    };
  },
};

/**
 * LeakyRelu's gradient as dy · step(x, α), step(x, α) = 1 where x > 0 and α elsewhere: the
 * same numbers as TF.js's where(x > 0, dy, dy · α) bit for bit (each element is dy·1 or
 * dy·α either way), from two cheap kernels instead of Greater, Multiply and Select, which
 * are plain loops on wasm (3.7 ms against 0.26 ms on a 32 × 14 × 14 × 64 activation). Its
 * own gradient, the double backward of a penalty through D, is a product again, where
 * Select's needed casts, a LogicalNot and two products.
 */
const leakyReluGradient: tf.GradConfig = {
  kernelName: tf.LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
  },
};

function replaceGradient(config: tf.GradConfig, replaced: Map<string, tf.GradConfig | undefined>): void {
  if (!replaced.has(config.kernelName)) {
    replaced.set(config.kernelName, tf.getGradient(config.kernelName) ?? undefined);
  }
  tf.registerGradient(config);
}

/**
 * Makes second-order gradients (a gradient of a gradient, as in R1, R2, WGAN-GP and the
 * classifier gradient penalty of Eq. 6) correct in TF.js 4.22. Process-wide and
 * idempotent: every Gantry package that differentiates a gradient calls it, and calling it
 * again does nothing. First-order gradients are unchanged in value.
 *
 * It (1) records the clones of saved outputs after the kernel that made them, so the
 * second-order path through tanh, sigmoid, exp, softmax, logSoftmax, elu, pow, max and
 * min is no longer dropped (tfjs#3252); (2) gives comparison and logical kernels their
 * exact zero gradient, so leakyRelu, relu6, maximum, where and friends can be
 * differentiated twice; (3) adds the missing double backward of elu, average pooling and
 * transposed convolution; (5) computes leakyRelu's gradient as dy · step(x, α), the same
 * numbers from cheaper kernels. Kernels that still have no double backward (MaxPoolGrad,
 * ResizeNearestNeighborGrad, ResizeBilinearGrad, the depthwise convolution gradients,
 * StridedSlice, ...) keep throwing TF.js's "gradient function not found for X" error when
 * a penalty needs them; they never return wrong numbers. (4) On cpu, wasm, webgl and
 * webgpu, the tensors a kernel saves for its gradient share their data instead of being
 * copied by an Identity kernel (and their gradient by a Cast): the same values, without
 * those kernels.
 */
export function enableHigherOrderGradients(): void {
  if (installed !== null) return;
  ensureGradientsRegistered();
  const engine = engineInternals();
  const originalAddTapeNode = engine.addTapeNode;
  const originalClone = engine.clone;
  const replacedGradients = new Map<string, tf.GradConfig | undefined>();

  // The engine calls clone() only to save a tensor for the backward pass, always with the
  // tape on (it records the clone's node itself): share the data instead of copying it.
  engine.clone = function cloneBySharing(this: EngineInternals, x: tf.Tensor): tf.Tensor {
    const info = this.state.tensorInfo.get(x.dataId);
    // Only data of the active backend, and only where that backend is one whose Identity shares.
    if (!SHARING_BACKENDS.has(this.backendName) || info === undefined || info.backend !== this.backend || x.dtype === 'string') {
      return originalClone.call(this, x);
    }
    return shareData(this, x, true);
  };
  engine.addTapeNode = function addTapeNodeInOrder(this: EngineInternals, ...args) {
    originalAddTapeNode.apply(this, args);
    const [, , outputs, , saved] = args;
    const tape = this.state.activeTape;
    if (tape !== null && saved !== undefined && saved.length > 0) {
      moveSavedOutputClonesBehindKernel(tape, outputs, saved);
    }
  };
  for (const [kernelName, inputNames] of PIECEWISE_CONSTANT_KERNELS) {
    if (tf.getGradient(kernelName) == null) replaceGradient(zeroGradient(kernelName, inputNames), replacedGradients);
  }
  for (const config of [eluGradGradient, avgPoolGradGradient, conv2DBackpropFilterGradient]) {
    if (tf.getGradient(config.kernelName) == null) replaceGradient(config, replacedGradients);
  }
  replaceGradient(leakyReluGradient, replacedGradients);
  installed = { engine, originalAddTapeNode, originalClone, replacedGradients };
}

/**
 * Undoes {@link enableHigherOrderGradients}: restores TF.js's own tape recording and
 * gradient registry. Meant for demonstrating the upstream bug and for tests; a training
 * run that takes second-order gradients must keep the fix enabled.
 */
export function disableHigherOrderGradients(): void {
  if (installed === null) return;
  // The original lives on the Engine prototype: removing our own property restores it.
  delete (installed.engine as Partial<EngineInternals>).addTapeNode;
  if (installed.engine.addTapeNode !== installed.originalAddTapeNode) {
    installed.engine.addTapeNode = installed.originalAddTapeNode;
  }
  delete (installed.engine as Partial<EngineInternals>).clone;
  if (installed.engine.clone !== installed.originalClone) installed.engine.clone = installed.originalClone;
  for (const [kernelName, previous] of installed.replacedGradients) {
    if (previous === undefined) tf.unregisterGradient(kernelName);
    else tf.registerGradient(previous);
  }
  installed = null;
}

/** Whether {@link enableHigherOrderGradients} is in effect. */
export function higherOrderGradientsEnabled(): boolean {
  return installed !== null;
}

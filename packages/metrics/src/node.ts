/**
 * The Node-only part of `@gantry/metrics` (`import … from '@gantry/metrics/node'`): the
 * reference MNIST classifier's shipped weights, read from the package's
 * `assets/mnist-reference.json`, and the encoding the training script writes.
 *
 * @packageDocumentation
 */
export { decodeReferenceWeights, encodeReferenceWeights, loadReferenceClassifier, type EncodedReferenceWeights } from './reference-weights.js';

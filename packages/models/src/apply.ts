import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { expectTensor, formatShape, InvalidArgumentError } from '@gantry/backend';

/** D*'s two outputs for a batch (Algorithm 1, lines 5-6). */
export interface DiscriminatorOutputs {
  /** a: [batch, d_c] (the CAGAN logit is a·c), or [batch, 1] with `adversarialWidth: 1`. */
  readonly adversarial: tf.Tensor2D;
  /** Class logits: [batch, d_c]; Q(x) = softmax(logits). */
  readonly logits: tf.Tensor2D;
}

function inputShapeOf(model: tfl.LayersModel): (number | null)[] {
  // A model of two inputs would take the first input's shape here and fail inside TF.js.
  if (model.inputs.length !== 1) throw new InvalidArgumentError('applyModel', 'model', 'a model with one input', `${model.inputs.length} inputs`);
  return (model.inputs[0] as tfl.SymbolicTensor).shape;
}

/**
 * Runs `model` on `x` eagerly and differentiably: usable inside `tf.variableGrads` and
 * inside the function a gradient penalty differentiates (second order). Checks x against
 * the model's input shape first, naming both.
 */
export function applyModel(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor | tf.Tensor[] {
  const expected = inputShapeOf(model);
  const input = expectTensor(`${model.name}.apply`, 'x', x);
  const ok = input.rank === expected.length && expected.every((size, axis) => size === null || size === input.shape[axis]);
  if (!ok) {
    throw new InvalidArgumentError(`${model.name}.apply`, 'x', `of shape [${expected.map((size) => size ?? 'batch').join(', ')}] (the model's input)`, `shape ${formatShape(input.shape)}`);
  }
  return model.apply(input) as tf.Tensor | tf.Tensor[];
}

/** Runs an integrated D* (from `integratedDiscriminator`) and names its outputs. */
export function discriminatorOutputs(model: tfl.LayersModel, x: tf.Tensor): DiscriminatorOutputs {
  const outputs = applyModel(model, x);
  if (!Array.isArray(outputs) || outputs.length !== 2) {
    throw new InvalidArgumentError('discriminatorOutputs', 'model', 'an integrated D* with outputs [adversarial, logits]', Array.isArray(outputs) ? `${outputs.length} outputs` : 'one output');
  }
  const [adversarial, logits] = outputs as [tf.Tensor2D, tf.Tensor2D];
  return { adversarial, logits };
}

/** The model's trainable weights as the `tf.Variable`s `tf.variableGrads` and an optimizer take, in a fixed order. */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** The number of trainable parameters (what `model.summary()` reports as trainable params). */
export function parameterCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((total, weight) => total + (weight.shape as number[]).reduce((product, size) => product * size, 1), 0);
}

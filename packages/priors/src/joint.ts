import * as tf from '@tensorflow/tfjs-core';
import { expectTensor, InvalidArgumentError, type Random } from '@gantry/backend';
import type { CategoricalPrior } from './categorical.js';
import { expectBatchSize, type ContinuousPrior } from './continuous.js';

/**
 * How a one-hot label enters the generator. `'one-hot'` (the paper's concat(z, c)) or
 * `'centered'`, (c·d_c − 1)/√(d_c − 1): zero mean and unit variance per entry under a
 * uniform prior, as the CGPGAN code of the paper's author feeds it.
 */
export type LabelEncoding = 'one-hot' | 'centered';

/** A sampled generator input. */
export interface GeneratorInput {
  /** z ~ Z, [batch, d_z]. */
  readonly z: tf.Tensor2D;
  /** c ~ P(C), one-hot, [batch, d_c]: the labels the losses use. */
  readonly c: tf.Tensor2D;
  /** concat(z, encode(c)), [batch, d_z + d_c]: what the generator takes. */
  readonly input: tf.Tensor2D;
}

/** Options of {@link sampleGeneratorInput} and {@link generatorInput}. */
export interface GeneratorInputOptions {
  /** Default `'one-hot'`. */
  readonly labelEncoding?: LabelEncoding;
}

/**
 * concat(z, encode(c)): a conditional generator's input from given codes, e.g. to draw a
 * chosen class from a trained model (`c` from {@link oneHotLabels}).
 */
export function generatorInput(z: tf.Tensor, c: tf.Tensor, options: GeneratorInputOptions = {}): tf.Tensor2D {
  const caller = 'generatorInput';
  const codes = expectTensor(caller, 'z', z, { rank: 2 });
  const labels = expectTensor(caller, 'c', c, { shape: [codes.shape[0] as number, null], shapeSource: 'one row per row of z' });
  const encoding = options.labelEncoding ?? 'one-hot';
  const categories = labels.shape[1] as number;
  return tf.tidy(() => {
    switch (encoding) {
      case 'one-hot':
        return tf.concat([codes, labels], 1) as tf.Tensor2D;
      case 'centered':
        if (categories < 2) throw new InvalidArgumentError(caller, 'c', "at least 2 categories for the 'centered' encoding", `shape [${labels.shape.join(', ')}]`);
        return tf.concat([codes, tf.div(tf.sub(tf.mul(labels, categories), 1), Math.sqrt(categories - 1))], 1) as tf.Tensor2D;
      default:
        throw new InvalidArgumentError(caller, 'options.labelEncoding', "'one-hot' or 'centered'", JSON.stringify(encoding));
    }
  });
}

/**
 * Samples (z, c) from the joint prior Z × P(C) for a conditional generator (Algorithm 1,
 * lines 2-3) and concatenates them as its input. z is drawn first, then c, from `random`:
 * one seed reproduces both. Pass the categorical prior as it is now: VCAGAN's moves every step.
 */
export function sampleGeneratorInput(
  continuous: ContinuousPrior,
  categorical: CategoricalPrior,
  batch: number,
  random: Random,
  options: GeneratorInputOptions = {},
): GeneratorInput {
  const rows = expectBatchSize('sampleGeneratorInput', batch);
  const describe = (value: unknown): string => (value === null ? 'null' : typeof value);
  if (typeof continuous?.sample !== 'function') throw new InvalidArgumentError('sampleGeneratorInput', 'continuous', 'a ContinuousPrior', describe(continuous));
  if (typeof categorical?.sample !== 'function') throw new InvalidArgumentError('sampleGeneratorInput', 'categorical', 'a CategoricalPrior', describe(categorical));
  const z = continuous.sample(rows, random);
  const c = categorical.sample(rows, random);
  return { z, c, input: generatorInput(z, c, options) };
}

/**
 * One-hot rows [indices.length, categories] float32 for chosen categories: draw a class
 * on purpose, or turn dataset labels into CAGAN / ACGAN labels.
 */
export function oneHotLabels(indices: readonly number[], categories: number): tf.Tensor2D {
  const caller = 'oneHotLabels';
  if (!Number.isInteger(categories) || categories < 1) throw new InvalidArgumentError(caller, 'categories', 'an integer >= 1', String(categories));
  if (!Array.isArray(indices) || indices.length === 0) throw new InvalidArgumentError(caller, 'indices', 'a non-empty array of category indices', Array.isArray(indices) ? '[]' : typeof indices);
  const bad = indices.findIndex((index) => !Number.isInteger(index) || index < 0 || index >= categories);
  if (bad >= 0) throw new InvalidArgumentError(caller, `indices[${bad}]`, `an integer in [0, ${categories - 1}]`, String(indices[bad]));
  const data = new Float32Array(indices.length * categories);
  indices.forEach((index, row) => {
    data[row * categories + index] = 1;
  });
  return tf.tensor2d(data, [indices.length, categories]);
}

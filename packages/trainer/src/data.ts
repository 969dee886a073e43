import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type Random } from '@gantry/backend';
import { batchSampler, batchSamplerFromState, type BatchSamplerState, type Dataset, type GaussianMixture } from '@gantry/datasets';
import type { JsonValue } from '@gantry/priors';

/**
 * A real batch: the samples, and their labels when the data has them: class indices on the
 * host, or an int32 tensor of them, which stays on the device (drawing a batch then reads
 * nothing back).
 */
export interface DataBatch {
  readonly x: tf.Tensor;
  readonly labels: Int32Array | tf.Tensor1D | undefined;
}

/** Where the trainer's real data comes from. */
export interface DataSource {
  /** For messages and `config.json`. */
  readonly name: string;
  readonly sampleShape: readonly number[];
  /** The number of label classes, when the data is labelled. */
  readonly classes: number | undefined;
  /** Draws the next real batch. A source without state of its own draws from `random`, the trainer's stream. */
  next(batchSize: number, random: Random): DataBatch;
  /** The source's own state for checkpoints (a finite dataset's shuffling position), or null. */
  state(): JsonValue;
  /** Continues from `state()`'s output. */
  restore(state: JsonValue): void;
}

/**
 * Fresh points from a Gaussian mixture every step (the paper's 2-D experiment, Section
 * 4.1), drawn from the trainer's random stream; labels are the true components (used only
 * by supervised recipes and by evaluation).
 */
export function mixtureSource(mixture: GaussianMixture, name = 'gaussian-mixture'): DataSource {
  return {
    name,
    sampleShape: [mixture.dimension],
    classes: mixture.components,
    next(batchSize, random) {
      const { points, components } = mixture.sample(batchSize, random);
      return { x: points, labels: components };
    },
    state: () => null,
    restore: () => undefined,
  };
}

/**
 * A finite dataset (MNIST, CSV points, PNG images), walked in seeded shuffled epochs by a
 * batch sampler whose position is saved in checkpoints.
 */
export function datasetSource(dataset: Dataset, options: { readonly seed: number; readonly name?: string }): DataSource {
  let sampler: ReturnType<typeof batchSampler> | undefined;
  let pending: BatchSamplerState | undefined;
  const samplerFor = (batchSize: number): ReturnType<typeof batchSampler> => {
    if (sampler === undefined) {
      sampler = pending === undefined ? batchSampler(dataset, { batchSize, seed: options.seed, dropRemainder: true }) : batchSamplerFromState(dataset, pending);
    }
    if (sampler.batchSize !== batchSize) throw new InvalidArgumentError('datasetSource.next', 'batchSize', `${sampler.batchSize} (the sampler's)`, String(batchSize));
    return sampler;
  };
  return {
    name: options.name ?? dataset.source,
    sampleShape: dataset.sampleShape,
    classes: dataset.classes,
    next(batchSize) {
      const batch = samplerFor(batchSize).nextBatch();
      return { x: batch.x, labels: batch.labels };
    },
    state: () => (sampler === undefined ? ((pending as JsonValue | undefined) ?? null) : (sampler.state as unknown as JsonValue)),
    restore(state) {
      sampler = undefined;
      pending = state === null ? undefined : (state as unknown as BatchSamplerState);
    },
  };
}

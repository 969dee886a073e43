import * as tf from '@tensorflow/tfjs-core';
import { categoricalThresholds, expectNumber, expectProbabilityRows, InvalidArgumentError, type Random } from '@gantry/backend';
import { inMemoryDataset, type Dataset } from './dataset.js';

/** What defines a {@link GaussianMixture}: plain JSON, so a run's config can hold it. */
export interface GaussianMixtureOptions {
  /** One center per component, all of the same dimension. */
  readonly centers: readonly (readonly number[])[];
  /** The components' probabilities: non-negative, summing to 1 within 1e-5. */
  readonly probabilities: readonly number[];
  /** The standard deviation of every component on every axis (isotropic), > 0. */
  readonly std: number;
}

/**
 * The paper's two-dimensional dataset (Fig. 1, Section 4.1): four Gaussian clusters
 * centered at (−2, 2), (2, 1), (0, −2), (1, −1) with probabilities [0.1, 0.4, 0.2, 0.3] and
 * standard deviation 0.3. `gaussianMixture(PAPER_GAUSSIAN_MIXTURE)` samples it.
 */
export const PAPER_GAUSSIAN_MIXTURE: GaussianMixtureOptions = Object.freeze({
  centers: Object.freeze([Object.freeze([-2, 2]), Object.freeze([2, 1]), Object.freeze([0, -2]), Object.freeze([1, -1])]),
  probabilities: Object.freeze([0.1, 0.4, 0.2, 0.3]),
  std: 0.3,
});

/** One draw from a {@link GaussianMixture}. */
export interface MixtureSample {
  /** The points, `[batch, dimension]` float32. */
  readonly points: tf.Tensor2D;
  /** Each point's true component, `[batch]` int32: for evaluation only, never for training an unsupervised GAN. */
  readonly components: tf.Tensor1D;
}

/** A mixture of isotropic Gaussians with shared standard deviation, in any dimension. */
export interface GaussianMixture {
  /** The dimension of the points. */
  readonly dimension: number;
  /** The number of components. */
  readonly components: number;
  readonly centers: readonly (readonly number[])[];
  readonly probabilities: readonly number[];
  readonly std: number;
  /**
   * Draws `batch` points: for each a component by inverse CDF on one uniform draw, then
   * center + std·N(0, I). Both draws come from `random`, so one seed gives the same points
   * and components on every backend.
   */
  sample(batch: number, random: Random): MixtureSample;
  /**
   * Draws `size` points once and keeps them as an in-memory {@link Dataset} (labels = the
   * true components), for a finite training set, an evaluation set or CSV export.
   */
  dataset(size: number, random: Random): Dataset;
  /** The options that rebuild this mixture with {@link gaussianMixture}. */
  toJSON(): GaussianMixtureOptions;
}

function expectRandom(caller: string, random: unknown): Random {
  if (typeof random !== 'object' || random === null || typeof (random as Random).normal !== 'function' || typeof (random as Random).uniform !== 'function') {
    throw new InvalidArgumentError(caller, 'random', 'a Random from createRandom(seed) (@gantry/backend)', random === null ? 'null' : typeof random);
  }
  return random as Random;
}

/**
 * Creates a Gaussian mixture from its centers, probabilities and standard deviation,
 * after checking them: at least one center, all of one dimension, finite; probabilities one
 * per center, non-negative, summing to 1; std finite and > 0. The paper's preset:
 * `gaussianMixture(PAPER_GAUSSIAN_MIXTURE)`.
 */
export function gaussianMixture(options: GaussianMixtureOptions): GaussianMixture {
  const caller = 'gaussianMixture';
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', options === null ? 'null' : typeof options);
  const { centers, probabilities } = options;
  if (!Array.isArray(centers) || centers.length === 0) {
    throw new InvalidArgumentError(caller, 'options.centers', 'a non-empty array of points', Array.isArray(centers) ? '[]' : typeof centers);
  }
  const first = centers[0];
  const dimension = Array.isArray(first) ? first.length : 0;
  if (dimension === 0) throw new InvalidArgumentError(caller, 'options.centers[0]', 'a non-empty array of numbers', JSON.stringify(first) ?? typeof first);
  centers.forEach((center, k) => {
    if (!Array.isArray(center) || center.length !== dimension) {
      throw new InvalidArgumentError(caller, `options.centers[${k}]`, `a point of dimension ${dimension} (like centers[0])`, JSON.stringify(center) ?? typeof center);
    }
    center.forEach((value, axis) => expectNumber(caller, `options.centers[${k}][${axis}]`, value));
  });
  if (!Array.isArray(probabilities) || probabilities.length !== centers.length) {
    throw new InvalidArgumentError(caller, 'options.probabilities', `an array of ${centers.length} probabilities (one per center)`, Array.isArray(probabilities) ? JSON.stringify(probabilities) : typeof probabilities);
  }
  expectProbabilityRows(caller, 'options.probabilities', probabilities, [probabilities.length]);
  const std = expectNumber(caller, 'options.std', options.std, { min: 0, exclusive: true });
  const frozenCenters = Object.freeze(centers.map((center) => Object.freeze([...center])));
  const frozenProbabilities = Object.freeze([...probabilities]);
  const count = centers.length;
  const cdf = categoricalThresholds(probabilities);
  const flatCenters = Float32Array.from(centers.flat());

  const sample = (method: string, argument: string, batch: number, random: Random): MixtureSample => {
    const rows = expectNumber(method, argument, batch, { min: 1, integer: true });
    const stream = expectRandom(method, random);
    return tf.tidy(() => {
      const u = stream.uniform([rows, 1]);
      // The component is the number of thresholds at or below u: comparisons of the same
      // float32 values, so every backend draws the same components from one seed.
      const components = (count === 1 ? tf.zeros([rows], 'int32') : tf.sum(tf.cast(tf.greaterEqual(u, tf.tensor2d(cdf, [1, count - 1])), 'int32'), -1)) as tf.Tensor1D;
      const noise = stream.normal([rows, dimension], 0, std);
      const points = tf.add(tf.gather(tf.tensor2d(flatCenters, [count, dimension]), components), noise) as tf.Tensor2D;
      return { points, components };
    });
  };

  return Object.freeze({
    dimension,
    components: count,
    centers: frozenCenters,
    probabilities: frozenProbabilities,
    std,
    sample: (batch: number, random: Random) => sample('GaussianMixture.sample', 'batch', batch, random),
    dataset(size: number, random: Random): Dataset {
      const { points, components } = sample('GaussianMixture.dataset', 'size', size, random);
      const values = new Float32Array(points.dataSync());
      const labels = new Int32Array(components.dataSync());
      tf.dispose([points, components]);
      return inMemoryDataset({ values, sampleShape: [dimension], labels, classes: count, source: 'gaussianMixture' });
    },
    toJSON: () => ({ centers: frozenCenters.map((center) => [...center]), probabilities: [...frozenProbabilities], std }),
  });
}

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

/** Per-component counts, means and standard deviations (per axis) of a 2-D sample. */
function statistics(points: Float32Array, components: Int32Array, count: number): { counts: number[]; means: number[][]; stds: number[][] } {
  const counts = new Array<number>(count).fill(0);
  const sums = Array.from({ length: count }, () => [0, 0]);
  const squares = Array.from({ length: count }, () => [0, 0]);
  components.forEach((component, i) => {
    counts[component] = (counts[component] as number) + 1;
    for (let axis = 0; axis < 2; axis++) {
      const value = points[2 * i + axis] as number;
      (sums[component] as number[])[axis] = ((sums[component] as number[])[axis] as number) + value;
      (squares[component] as number[])[axis] = ((squares[component] as number[])[axis] as number) + value * value;
    }
  });
  const means = sums.map((sum, k) => sum.map((value) => value / (counts[k] as number)));
  const stds = squares.map((square, k) => square.map((value, axis) => Math.sqrt(value / (counts[k] as number) - ((means[k] as number[])[axis] as number) ** 2)));
  return { counts, means, stds };
}

describe.each(TESTED_BACKENDS)('the paper’s Gaussian mixture on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('100,000 samples: component frequencies within 0.01 of [0.1, 0.4, 0.2, 0.3], each cluster at its center with std 0.3', () => {
    const mixture = gaussianMixture(PAPER_GAUSSIAN_MIXTURE);
    expect([mixture.dimension, mixture.components, mixture.std]).toEqual([2, 4, 0.3]);
    const { points, components } = mixture.sample(100_000, createRandom(2024));
    expect(points.shape).toEqual([100_000, 2]);
    expect([points.dtype, components.dtype]).toEqual(['float32', 'int32']);
    const { counts, means, stds } = statistics(points.dataSync() as Float32Array, components.dataSync() as Int32Array, 4);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
    [0.1, 0.4, 0.2, 0.3].forEach((p, k) => expect(Math.abs((counts[k] as number) / 100_000 - p)).toBeLessThan(0.01));
    PAPER_GAUSSIAN_MIXTURE.centers.forEach((center, k) => {
      // The standard error of a mean is 0.3/√n ≤ 0.003 here (n ≥ 10,000), of a std 0.3/√(2n) ≤ 0.0021.
      center.forEach((value, axis) => expect(Math.abs(((means[k] as number[])[axis] as number) - value)).toBeLessThan(0.015));
      (stds[k] as number[]).forEach((std) => expect(Math.abs(std - 0.3)).toBeLessThan(0.01));
    });
    tf.dispose([points, components]);
  });

  it('never draws a component of probability 0, leading, inner or trailing', () => {
    const random = createRandom(5);
    for (const probabilities of [
      [0, 0.5, 0.5],
      [0.5, 0, 0.5],
      [0.5, 0.5, 0],
      [0, 1, 0],
    ]) {
      const mixture = gaussianMixture({ centers: [[0], [1], [2]], probabilities, std: 1 });
      const { points, components } = mixture.sample(20_000, random);
      const drawn = new Set(components.dataSync());
      probabilities.forEach((p, k) => expect(drawn.has(k), `${JSON.stringify(probabilities)}: component ${k}`).toBe(p > 0));
      tf.dispose([points, components]);
    }
    const single = gaussianMixture({ centers: [[1, 2, 3]], probabilities: [1], std: 0.5 });
    const { points, components } = single.sample(3, random);
    expect(points.shape).toEqual([3, 3]);
    expect(Array.from(components.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([points, components]);
  });

  it('materializes a dataset whose labels are the true components', () => {
    const mixture = gaussianMixture(PAPER_GAUSSIAN_MIXTURE);
    const dataset = mixture.dataset(1000, createRandom(8));
    const { points, components } = mixture.sample(1000, createRandom(8));
    expect([dataset.size, dataset.classes, dataset.source]).toEqual([1000, 4, 'gaussianMixture']);
    expect(dataset.sampleShape).toEqual([2]);
    expect(Array.from(dataset.values)).toEqual(Array.from(points.dataSync()));
    expect(Array.from(dataset.labels ?? [])).toEqual(Array.from(components.dataSync()));
    tf.dispose([points, components]);
  });

  it('leaks no tensor: 100 samples, each disposed', () => {
    const mixture = gaussianMixture(PAPER_GAUSSIAN_MIXTURE);
    const random = createRandom(3);
    tf.dispose(Object.values(mixture.sample(8, random)));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) tf.dispose(Object.values(mixture.sample(8, random)));
    mixture.dataset(16, random);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Gaussian mixtures: reproducibility and bad input', () => {
  it('draws the same points and components from one seed, on cpu and on wasm', async () => {
    const draw = (): { points: number[]; components: number[] } => {
      const { points, components } = gaussianMixture(PAPER_GAUSSIAN_MIXTURE).sample(500, createRandom(77));
      const result = { points: Array.from(points.dataSync()), components: Array.from(components.dataSync()) };
      tf.dispose([points, components]);
      return result;
    };
    await useBackend('cpu');
    const onCpu = draw();
    expect(draw()).toEqual(onCpu);
    await useBackend('wasm');
    expect(draw()).toEqual(onCpu);
    // A different seed gives different points.
    const other = gaussianMixture(PAPER_GAUSSIAN_MIXTURE).sample(500, createRandom(78));
    expect(Array.from(other.points.dataSync())).not.toEqual(onCpu.points);
    tf.dispose([other.points, other.components]);
  });

  it('names the argument, the expected and the actual value', async () => {
    await useBackend('cpu');
    const centers = [
      [0, 0],
      [1, 1],
    ];
    expect(invalidArgumentMessage(() => gaussianMixture({ centers: [], probabilities: [], std: 1 }))).toBe('gaussianMixture: options.centers must be a non-empty array of points, got [].');
    expect(invalidArgumentMessage(() => gaussianMixture({ centers: [[0, 0], [1]], probabilities: [0.5, 0.5], std: 1 }))).toBe(
      'gaussianMixture: options.centers[1] must be a point of dimension 2 (like centers[0]), got [1].',
    );
    expect(invalidArgumentMessage(() => gaussianMixture({ centers: [[0, NaN]], probabilities: [1], std: 1 }))).toBe('gaussianMixture: options.centers[0][1] must be a finite number, got NaN.');
    expect(invalidArgumentMessage(() => gaussianMixture({ centers, probabilities: [1], std: 1 }))).toBe(
      'gaussianMixture: options.probabilities must be an array of 2 probabilities (one per center), got [1].',
    );
    expect(invalidArgumentMessage(() => gaussianMixture({ centers, probabilities: [0.5, 0.6], std: 1 }))).toBe(
      'gaussianMixture: options.probabilities must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.1.',
    );
    expect(invalidArgumentMessage(() => gaussianMixture({ centers, probabilities: [1.5, -0.5], std: 1 }))).toBe(
      'gaussianMixture: options.probabilities must be probabilities (finite, >= 0, rows summing to 1), got -0.5 at position 1.',
    );
    expect(invalidArgumentMessage(() => gaussianMixture({ centers, probabilities: [0.5, 0.5], std: 0 }))).toBe('gaussianMixture: options.std must be a finite number > 0, got 0.');
    const mixture = gaussianMixture(PAPER_GAUSSIAN_MIXTURE);
    expect(invalidArgumentMessage(() => mixture.sample(0, createRandom(1)))).toBe('GaussianMixture.sample: batch must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => mixture.dataset(2.5, createRandom(1)))).toBe('GaussianMixture.dataset: size must be an integer >= 1, got 2.5.');
    expect(invalidArgumentMessage(() => mixture.sample(4, 42 as never))).toBe('GaussianMixture.sample: random must be a Random from createRandom(seed) (@gantry/backend), got number.');
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchSampler, batchSamplerFromState, inMemoryDataset, sequentialBatches, type Batch, type BatchSampler, type Dataset } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

/** A dataset of `size` samples [2, 1] whose values encode the index: sample i is (i, −i − 1); label i mod 3. */
function indexedDataset(size: number): Dataset {
  const values = new Float32Array(size * 2);
  for (let i = 0; i < size; i++) {
    values[2 * i] = i;
    values[2 * i + 1] = -i - 1;
  }
  return inMemoryDataset({ values, sampleShape: [2, 1], labels: Array.from({ length: size }, (_, i) => i % 3) });
}

/** The indices of the next `count` batches; checks each batch's x and labels against its indices, and disposes x. */
function take(sampler: BatchSampler, count: number): number[][] {
  const result: number[][] = [];
  for (let i = 0; i < count; i++) result.push(check(sampler.nextBatch()));
  return result;
}

function check(batch: Batch): number[] {
  const indices = Array.from(batch.indices);
  expect(batch.x.shape).toEqual([indices.length, 2, 1]);
  expect(Array.from(batch.x.dataSync())).toEqual(indices.flatMap((i) => [i, -i - 1]));
  expect(Array.from(batch.labels ?? [])).toEqual(indices.map((i) => i % 3));
  batch.x.dispose();
  return indices;
}

describe.each(TESTED_BACKENDS)('batch samplers on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('without replacement: every index exactly once per epoch, a new order each epoch, the last batch smaller', () => {
    const sampler = batchSampler(indexedDataset(10), { batchSize: 4, seed: 11 });
    expect(sampler.batchesPerEpoch).toBe(3);
    const epochs: number[][] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      expect(sampler.epoch).toBe(epoch);
      const batches = take(sampler, 3);
      expect(batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
      const order = batches.flat();
      expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      epochs.push(order);
    }
    expect(new Set(epochs.map((order) => order.join(','))).size).toBe(4);
    expect(epochs[0]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives the same sequence from the same seed, a different one from another seed', () => {
    const dataset = indexedDataset(50);
    const a = take(batchSampler(dataset, { batchSize: 8, seed: 3 }), 20);
    expect(take(batchSampler(dataset, { batchSize: 8, seed: 3 }), 20)).toEqual(a);
    expect(take(batchSampler(dataset, { batchSize: 8, seed: 4 }), 20)).not.toEqual(a);
    // A Random gives its next seed: the same stream state gives the same sampler.
    const fromRandom = take(batchSampler(dataset, { batchSize: 8, random: createRandom(5) }), 5);
    expect(take(batchSampler(dataset, { batchSize: 8, seed: createRandom(5).nextSeed() }), 5)).toEqual(fromRandom);
  });

  it('resumes the identical continuation from a saved state, mid-epoch and across epochs, through JSON', () => {
    const dataset = indexedDataset(23);
    for (const options of [{ batchSize: 5 }, { batchSize: 5, dropRemainder: true }, { batchSize: 7, replacement: true }, { batchSize: 40, replacement: true }]) {
      const sampler = batchSampler(dataset, { ...options, seed: 9 });
      take(sampler, 7);
      const saved = JSON.parse(JSON.stringify(sampler.state));
      const continuation = take(sampler, 12);
      const resumed = batchSamplerFromState(dataset, saved);
      expect(resumed.epoch).toBe(saved.epoch);
      expect(take(resumed, 12), JSON.stringify(options)).toEqual(continuation);
    }
  });

  it('with dropRemainder: full batches only, a different few samples skipped each epoch', () => {
    const sampler = batchSampler(indexedDataset(10), { batchSize: 4, seed: 1, dropRemainder: true });
    expect(sampler.batchesPerEpoch).toBe(2);
    const seen = new Set<number>();
    for (let epoch = 0; epoch < 6; epoch++) {
      const order = take(sampler, 2).flat();
      expect(order).toHaveLength(8);
      expect(new Set(order).size).toBe(8);
      order.forEach((index) => seen.add(index));
    }
    expect(seen.size).toBe(10);
  });

  it('with replacement: uniform draws, batches larger than the dataset allowed', () => {
    const sampler = batchSampler(indexedDataset(5), { batchSize: 8, seed: 2, replacement: true });
    expect(sampler.batchesPerEpoch).toBe(1);
    const counts = new Array<number>(5).fill(0);
    for (const index of take(sampler, 2500).flat()) counts[index] = (counts[index] as number) + 1;
    // 20,000 draws: each index 4,000 ± 57 (one standard deviation).
    counts.forEach((count) => expect(Math.abs(count - 4000)).toBeLessThan(300));
    expect(sampler.epoch).toBe(2500);
  });

  it('iterates: for-of never ends, epochBatches() gives one epoch then stops', () => {
    const sampler = batchSampler(indexedDataset(10), { batchSize: 3, seed: 6 });
    let taken = 0;
    for (const batch of sampler) {
      check(batch);
      if (++taken === 9) break;
    }
    expect(sampler.state.epoch * sampler.batchesPerEpoch + sampler.state.batch).toBe(9);
    // Mid-epoch (batch 1 of 4): the rest of epoch 2, then the whole of epoch 3.
    expect(Array.from(sampler.epochBatches(), check)).toHaveLength(3);
    const epoch = Array.from(sampler.epochBatches(), check);
    expect(epoch.map((batch) => batch.length)).toEqual([3, 3, 3, 1]);
    expect(epoch.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sampler.epoch).toBe(4);
  });

  it('sequentialBatches: every sample once, in order, the last batch smaller', () => {
    const batches = Array.from(sequentialBatches(indexedDataset(7), { batchSize: 3 }), check);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('leaks no tensor: 100 batches, each disposed', () => {
    const sampler = batchSampler(indexedDataset(64), { batchSize: 16, seed: 1 });
    sampler.nextBatch().x.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) sampler.nextBatch().x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('batch samplers: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects a batch larger than the dataset without replacement, naming both sizes', () => {
    const dataset = inMemoryDataset({ rows: [[1], [2], [3]], source: 'points.csv' });
    expect(invalidArgumentMessage(() => batchSampler(dataset, { batchSize: 4, seed: 1 }))).toBe(
      'batchSampler: options.batchSize must be at most 3 (the size of points.csv) when sampling without replacement, got 4.',
    );
    const state = batchSampler(dataset, { batchSize: 4, seed: 1, replacement: true }).state;
    expect(invalidArgumentMessage(() => batchSamplerFromState(dataset, { ...state, replacement: false }))).toBe(
      'batchSamplerFromState: state.batchSize must be at most 3 (the size of points.csv) when sampling without replacement, got 4.',
    );
  });

  it('names the argument, the expected and the actual value', () => {
    const dataset = inMemoryDataset({ rows: [[1], [2], [3]] });
    expect(invalidArgumentMessage(() => batchSampler(dataset, { batchSize: 2 }))).toBe('batchSampler: options.seed must be an integer in [0, 4294967295], got undefined.');
    expect(invalidArgumentMessage(() => batchSampler(dataset, { batchSize: 0, seed: 1 }))).toBe('batchSampler: options.batchSize must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => batchSampler(dataset, { batchSize: 2, seed: 1, random: createRandom(1) }))).toBe(
      'batchSampler: options must be either seed or random, not both, got both.',
    );
    expect(invalidArgumentMessage(() => batchSampler({ size: 3 } as Dataset, { batchSize: 2, seed: 1 }))).toBe(
      'batchSampler: dataset must be a Dataset (from inMemoryDataset, gaussianMixture(...).dataset, loadMnist, ...), got object.',
    );
    const state = batchSampler(dataset, { batchSize: 2, seed: 1 }).state;
    expect(invalidArgumentMessage(() => batchSamplerFromState(inMemoryDataset({ rows: [[1], [2]] }), state))).toBe(
      'batchSamplerFromState: state.datasetSize must be 2 (the size of <in-memory>: resume on the same dataset), got 3.',
    );
    expect(invalidArgumentMessage(() => batchSamplerFromState(dataset, { ...state, batch: 2 }))).toBe(
      'batchSamplerFromState: state.batch must be an integer in [0, 1] (batches per epoch: 2), got 2.',
    );
    expect(invalidArgumentMessage(() => sequentialBatches(dataset, { batchSize: -1 }))).toBe('sequentialBatches: options.batchSize must be an integer >= 1, got -1.');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { gatherBatch, inMemoryDataset } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

describe.each(TESTED_BACKENDS)('in-memory datasets on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('keeps typed values as they are and scales them only in a batch', () => {
    const values = new Uint8Array([0, 51, 255, 102, 204, 0]);
    const dataset = inMemoryDataset({ values, sampleShape: [3, 1], scale: 2 / 255, offset: -1, labels: [4, 7] });
    expect(dataset.values).toBe(values);
    expect([dataset.size, dataset.sampleSize, dataset.classes]).toEqual([2, 3, 8]);
    expect(dataset.labels).toEqual(new Int32Array([4, 7]));
    const batch = gatherBatch(dataset, [1, 0, 1]);
    expect(batch.x.shape).toEqual([3, 3, 1]);
    expect(batch.x.dtype).toBe('float32');
    // 2·51/255 − 1 = −0.6, 2·102/255 − 1 = −0.2, 2·204/255 − 1 = 0.6.
    const expected = [-0.2, 0.6, -1, -1, -0.6, 1, -0.2, 0.6, -1].map(Math.fround);
    expect(Array.from(batch.x.dataSync())).toEqual(expected);
    expect(Array.from(batch.indices)).toEqual([1, 0, 1]);
    expect(Array.from(batch.labels ?? [])).toEqual([7, 4, 7]);
    batch.x.dispose();
  });

  it('copies rows of numbers into float32, one sample per row', () => {
    const dataset = inMemoryDataset({ rows: [[1.5, -2], [3, 4.25]] });
    expect(dataset.sampleShape).toEqual([2]);
    expect(dataset.values).toEqual(new Float32Array([1.5, -2, 3, 4.25]));
    expect(dataset.labels).toBeUndefined();
    const batch = gatherBatch(dataset, [1]);
    expect(batch.x.arraySync()).toEqual([[3, 4.25]]);
    expect(batch.labels).toBeUndefined();
    batch.x.dispose();
  });
});

describe('in-memory datasets: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names the argument, the expected and the actual value', () => {
    expect(invalidArgumentMessage(() => inMemoryDataset({ rows: [] }))).toBe('inMemoryDataset: <in-memory> rows must be at least one sample, got an empty array.');
    expect(invalidArgumentMessage(() => inMemoryDataset({ values: new Float32Array(0), sampleShape: [2], source: 'empty' }))).toBe(
      'inMemoryDataset: empty values must be at least one sample, got no values.',
    );
    expect(invalidArgumentMessage(() => inMemoryDataset({ values: new Float32Array(6), sampleShape: [2], labels: [0, 1] }))).toBe(
      'inMemoryDataset: <in-memory> labels must be 3 labels (one per sample), got 2 labels.',
    );
    expect(invalidArgumentMessage(() => inMemoryDataset({ values: [1, 2, 3], sampleShape: [2] }))).toBe(
      'inMemoryDataset: <in-memory> values must be a multiple of 2 values (sample shape [2]), got 3 values.',
    );
    expect(invalidArgumentMessage(() => inMemoryDataset({ values: [1, NaN], sampleShape: [1] }))).toBe('inMemoryDataset: <in-memory> values[1] must be a finite float32 number, got NaN.');
    expect(invalidArgumentMessage(() => inMemoryDataset({ rows: [[1, 2], [3]] }))).toBe('inMemoryDataset: <in-memory> rows[1] must be an array of 2 numbers (like rows[0]), got an array of length 1.');
    expect(invalidArgumentMessage(() => inMemoryDataset({ rows: [[1e39]] }))).toBe('inMemoryDataset: <in-memory> rows[0][0] must be a finite float32 number, got 1e+39.');
    expect(invalidArgumentMessage(() => inMemoryDataset({ rows: [[1], [2]], labels: [0, -1] }))).toBe('inMemoryDataset: <in-memory> labels[1] must be a non-negative integer, got -1.');
    expect(invalidArgumentMessage(() => inMemoryDataset({ rows: [[1], [2]], labels: [0, 3], classes: 3 }))).toBe(
      'inMemoryDataset: <in-memory> labels[1] must be a class in [0, 2] (options.classes is 3), got 3.',
    );
    expect(invalidArgumentMessage(() => inMemoryDataset({ values: [1, 2], sampleShape: [0] }))).toBe('inMemoryDataset: options.sampleShape must be a non-empty array of positive integers, got [0].');
    const dataset = inMemoryDataset({ rows: [[1], [2]] });
    expect(invalidArgumentMessage(() => gatherBatch(dataset, [0, 2]))).toBe('gatherBatch: indices[1] must be an integer in [0, 1] (the samples of <in-memory>), got 2.');
    expect(invalidArgumentMessage(() => gatherBatch(dataset, []))).toBe('gatherBatch: indices must be a non-empty array of sample indices, got an array of length 0.');
  });
});

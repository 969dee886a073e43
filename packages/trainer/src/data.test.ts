import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gaussianMixture, inMemoryDataset, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetSource, mixtureSource, train, type Trainer } from './index.js';

describe('data sources', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('mixtureSource: its name, sample shape, classes and stateless state', () => {
    const mixture = gaussianMixture(PAPER_GAUSSIAN_MIXTURE);
    const source = mixtureSource(mixture);
    expect([source.name, source.sampleShape, source.classes, source.state()]).toEqual(['gaussian-mixture', [2], 4, null]);
    expect(mixtureSource(mixture, 'mine').name).toBe('mine');
    const batch = source.next(5, createRandom(1));
    expect(batch.x.shape).toEqual([5, 2]);
    tf.dispose([batch.x, batch.labels as tf.Tensor]);
  });

  it('datasetSource: named by the dataset unless told, its position saved, restored and reset, and one batch size per sampler', () => {
    const points = tf.tidy(() => createRandom(2).normal([12, 2]));
    const dataset = inMemoryDataset({ values: points.dataSync(), sampleShape: [2], source: 'twelve points' });
    points.dispose();
    expect(datasetSource(dataset, { seed: 1 }).name).toBe('twelve points');
    expect(datasetSource(dataset, { seed: 1, name: 'mine' }).name).toBe('mine');
    const source = datasetSource(dataset, { seed: 1 });
    expect(source.state()).toBeNull();
    const rows = (): number[] => {
      const batch = source.next(4, createRandom(0));
      const values = Array.from(batch.x.dataSync());
      batch.x.dispose();
      return values;
    };
    rows();
    const saved = source.state();
    const next = rows();
    source.restore(saved);
    // A restored position is pending until the next batch, and is what state() reports.
    expect(source.state()).toEqual(saved);
    expect(rows()).toEqual(next);
    source.restore(null);
    expect(source.state()).toBeNull();
    const first = datasetSource(dataset, { seed: 1 });
    const fresh = first.next(4, createRandom(0));
    const again = source.next(4, createRandom(0));
    expect(Array.from(again.x.dataSync())).toEqual(Array.from(fresh.x.dataSync()));
    tf.dispose([fresh.x, again.x]);
    expect(invalidArgumentMessage(() => source.next(3, createRandom(0)))).toBe("datasetSource.next: batchSize must be 4 (the sampler's), got 3.");
  });

  it('datasetSource: every batch is whole, across the ends of epochs (the remainder is dropped)', () => {
    const points = tf.tidy(() => createRandom(3).normal([10, 2]));
    const dataset = inMemoryDataset({ values: points.dataSync(), sampleShape: [2], source: 'ten points' });
    points.dispose();
    const source = datasetSource(dataset, { seed: 2 });
    const rows: number[] = [];
    for (let k = 0; k < 5; k++) {
      const batch = source.next(4, createRandom(0));
      rows.push(batch.x.shape[0] as number);
      batch.x.dispose();
    }
    expect(rows).toEqual([4, 4, 4, 4, 4]);
  });
});

describe('train arguments', () => {
  it('names a bad untilStep', async () => {
    const trainer = { step: 0, trainStep: () => undefined } as unknown as Trainer;
    await expect(train(trainer, { untilStep: -1 })).rejects.toThrow('train: options.untilStep must be an integer >= 0, got -1.');
    await expect(train(trainer, { untilStep: 1.5 })).rejects.toThrow('train: options.untilStep must be an integer >= 0, got 1.5.');
  });
});

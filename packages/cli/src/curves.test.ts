import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, selectBackend } from '@gantry/backend';
import { inMemoryDataset } from '@gantry/datasets';
import { initialReferenceWeights, referenceClassifier } from '@gantry/metrics';
import { applyModel, cnnGenerator } from '@gantry/models';
import { categoricalPrior, normalPrior } from '@gantry/priors';
import { createTrainer, datasetSource, type StepReport } from '@gantry/trainer';
import { CorruptRunError } from './config.js';
import { qualityCurve, readCurve } from './curves.js';

describe('quality curves', () => {
  let folder: string;
  beforeAll(async () => {
    await selectBackend('cpu');
    folder = await mkdtemp(join(tmpdir(), 'gantry-curves-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('scores a fixed draw every k steps and at the last step, with the training seconds going on from startSeconds, and leaks no tensor', async () => {
    const G = cnnGenerator({ inputDim: 4 + 2, channels: [4, 2], seed: 1, name: 'generator' });
    const setup = {
      networks: { generator: G },
      generator: 'generator',
      continuous: normalPrior(4),
      categorical: categoricalPrior({ categories: 2 }),
      phases: [{ name: 'generator', network: 'generator', terms: { push: (context: { batch: { generatorInput: tf.Tensor2D } }) => tf.mean(applyModel(G, context.batch.generatorInput) as tf.Tensor) as tf.Scalar }, weights: { push: 1 } }],
    };
    const images = inMemoryDataset({ values: new Float32Array(4 * 784).fill(0.5), sampleShape: [28, 28, 1] });
    const trainer = createTrainer({ setup, data: datasetSource(images, { seed: 1 }), batchSize: 2, seed: 1 });
    const random = createRandom(3);
    const weights = initialReferenceWeights((shape) => random.normal([...shape], 0, 0.1));
    const reference = referenceClassifier(weights);
    const real = createRandom(4).normal([30, 28, 28, 1]);
    const path = join(folder, 'curves.jsonl');
    const callback = qualityCurve({ path, every: 2, lastStep: 3, reference, real, samples: 20, startSeconds: 100 });
    const before = tf.memory().numTensors;
    for (let step = 1; step <= 3; step++) {
      trainer.trainStep();
      await callback.onStep?.({ step } as StepReport, trainer);
    }
    expect(tf.memory().numTensors).toBe(before);
    const points = await readCurve(path);
    expect(points.map((point) => point.step)).toEqual([2, 3]);
    expect(points[0]?.trainingSeconds).toBeGreaterThan(100);
    expect(points[1]?.trainingSeconds).toBeGreaterThanOrEqual(points[0]?.trainingSeconds as number);
    for (const point of points) {
      expect(point.samples).toBe(20);
      expect(point.frechetDistance).toBeGreaterThan(0);
      expect(point.consistency).toBeGreaterThan(0);
      expect(point.consistency).toBeLessThanOrEqual(1);
    }
    // The same draws every time: the generator's change alone moves the distance.
    const again = qualityCurve({ path: join(folder, 'again.jsonl'), every: 1, lastStep: 1, reference, real, samples: 20 });
    await again.onStep?.({ step: 1 } as StepReport, trainer);
    expect((await readCurve(join(folder, 'again.jsonl')))[0]?.frechetDistance).toBe(points[1]?.frechetDistance);
    trainer.dispose();
    G.dispose();
    tf.dispose(Object.values(weights));
    real.dispose();
  });

  it('reads one point per step (the later line wins after a resume), in step order; a damaged line is named', async () => {
    const path = join(folder, 'resumed.jsonl');
    const point = (step: number, seconds: number): string => JSON.stringify({ step, trainingSeconds: seconds, evaluationSeconds: 1, samples: 10, frechetDistance: 100 - step, consistency: 0.5, digitsCovered: 3 });
    await writeFile(path, `${point(500, 10)}\n${point(1000, 20)}\n${point(1000, 21)}\n${point(1500, 31)}\n\n`);
    expect((await readCurve(path)).map((p) => [p.step, p.trainingSeconds])).toEqual([
      [500, 10],
      [1000, 21],
      [1500, 31],
    ]);
    await writeFile(path, `${point(500, 10)}\nnot json\n`);
    await expect(readCurve(path)).rejects.toThrow(new CorruptRunError(`${path} line 2 is not JSON: the curve is damaged.`));
    await writeFile(path, '{"step":1}\n');
    await expect(readCurve(path)).rejects.toThrow(CorruptRunError);
    expect(await readFile(path, 'utf8')).toBe('{"step":1}\n');
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, weightsEma, type Trainer } from './index.js';
import { checkpoints } from './node.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

describe('the checkpoints callback’s keep, and the EMA’s shadows', () => {
  let root = '';
  let trainer: Trainer;
  beforeAll(async () => {
    await useBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'gantry-keep-'));
    trainer = createTrainer({ setup: tinyRecipe(7), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 7 });
  });
  afterAll(async () => {
    trainer.dispose();
    for (const model of Object.values(trainer.setup.networks)) model.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the newest `keep` checkpoints it was given, and the default 3 without one', async () => {
    for (const [folder, keep, expected] of [['one', 1, 1], ['default', undefined, 3]] as const) {
      const directory = join(root, folder);
      const callback = checkpoints(directory, null, { every: 1, ...(keep === undefined ? {} : { keep }) });
      for (let i = 0; i < 4; i++) await callback.onStep?.(trainer.trainStep(), trainer);
      expect([folder, (await readdir(directory)).filter((name) => name.startsWith('step-')).length]).toEqual([folder, expected]);
    }
  });

  it('keeps shadows that no optimiser trains, named after their variables', () => {
    const variables = [tf.variable(tf.ones([2]), true, 'net/w'), tf.variable(tf.zeros([3]), true, 'net/b')];
    const ema = weightsEma(variables, { decay: 0.5 });
    expect(ema.shadows.map((shadow) => [shadow.name, shadow.trainable])).toEqual([
      ['net/w/ema', false],
      ['net/b/ema', false],
    ]);
    ema.dispose();
    tf.dispose(variables);
  });
});

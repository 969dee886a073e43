import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createRandom, selectBackend } from '@gantry/backend';
import { inMemoryDataset } from '@gantry/datasets';
import { applyModel, cnnGenerator } from '@gantry/models';
import { categoricalPrior, normalPrior } from '@gantry/priors';
import { createTrainer, datasetSource, type RecipeSetup } from '@gantry/trainer';
import { vcaganVariantLine, writeGrid } from './commands.js';
import { imageGridPng } from './pictures.js';

describe('vcaganVariantLine', () => {
  it("names the paper's text, or every option beyond it", () => {
    expect(vcaganVariantLine({ recipeOptions: { penaltyInterval: 1 }, generatorEma: null })).toBe("VCAGAN as the paper's text (Algorithm 1)");
    expect(vcaganVariantLine({ recipeOptions: { penaltyInterval: 4 }, generatorEma: null })).toMatch(/^VCAGAN with lazy penalties \(every 4 steps, weighed ×4\): not the paper's text/);
    expect(vcaganVariantLine({ recipeOptions: { lambdaCreg: 0.1, units: 128 }, generatorEma: null })).toBe("VCAGAN as the paper's text (Algorithm 1)");
    expect(
      vcaganVariantLine({ recipeOptions: { lambdaCreg: 0.1, warmupSteps: 2000, recentre: true, recentreAnnealSteps: 2000, categories: 16 }, generatorEma: 0.999 }),
    ).toBe(
      "VCAGAN with a 2,000-step prior warm-up with re-centred virtual labels faded out over 2,000 steps (Gantry's), d_c = 16, samples from an EMA (0.999) of the generator's weights: not the paper's text (docs/results/gaussian.md says where each option comes from and compares them)",
    );
  });
});

describe('writeGrid', () => {
  it('draws the grid with the generator and label encoding the evaluation uses (the EMA, the recipe’s encoding)', async () => {
    await selectBackend('cpu');
    const G = cnnGenerator({ inputDim: 4 + 3, outputShape: [8, 8, 1], channels: [4, 2], seed: 3, name: 'generator' });
    // One phase that moves G a lot, so its EMA differs from it; c enters G centred, not one-hot.
    const setup: RecipeSetup = {
      networks: { generator: G },
      generator: 'generator',
      continuous: normalPrior(4),
      categorical: categoricalPrior({ categories: 3 }),
      labelEncoding: 'centered',
      phases: [{ name: 'generator', network: 'generator', terms: { push: (context) => tf.neg(tf.mean(applyModel(G, context.batch.generatorInput) as tf.Tensor)) as tf.Scalar }, weights: { push: 1 } }],
    };
    const images = inMemoryDataset({ values: new Float32Array(6 * 64).fill(0.5), sampleShape: [8, 8, 1] });
    const trainer = createTrainer({ setup, data: datasetSource(images, { seed: 1 }), batchSize: 2, seed: 1, generatorEma: 0.9, optimizer: { learningRate: 0.05 } });
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const folder = await mkdtemp(join(tmpdir(), 'gantry-grid-'));
    try {
      await writeGrid(join(folder, 'grid.png'), trainer, null, 2);
      const drawn = PNG.sync.read(await readFile(join(folder, 'grid.png')));
      // What the evaluation samples: Trainer.sample, with the EMA and the centred encoding.
      const z = tf.tidy(() => {
        const rows = normalPrior(4).sample(2, createRandom(123));
        return tf.reshape(tf.tile(tf.expandDims(rows, 1), [1, 3, 1]), [6, 4]) as tf.Tensor2D;
      });
      const expected = trainer.sample(6, { categories: [0, 1, 2, 0, 1, 2], latent: z });
      const png = PNG.sync.read(Buffer.from(imageGridPng(expected.x.dataSync(), { rows: 2, columns: 3, height: 8, width: 8, channels: 1 })));
      expect(Buffer.compare(drawn.data, png.data)).toBe(0);
      // And not what the raw generator gives for a one-hot c (the grid before this fix).
      const raw = tf.tidy(() => applyModel(G, tf.concat([z, tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3), 'float32')], 1)) as tf.Tensor);
      const rawPng = PNG.sync.read(Buffer.from(imageGridPng(raw.dataSync(), { rows: 2, columns: 3, height: 8, width: 8, channels: 1 })));
      expect(Buffer.compare(drawn.data, rawPng.data)).not.toBe(0);
      tf.dispose([z, expected.x, raw]);
    } finally {
      trainer.dispose();
      G.dispose();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

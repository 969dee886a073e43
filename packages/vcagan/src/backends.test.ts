import * as tf from '@tensorflow/tfjs-core';
import { createRandom, setValueChecks, valueChecksEnabled } from '@gantry/backend';
import { useBackend } from '@gantry/backend/testing';
import { gaussianMixture, inMemoryDataset, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, datasetSource, mixtureSource, type DataSource, type RecipeSetup, type StepReport } from '@gantry/trainer';
import { describe, expect, it } from 'vitest';
import { vcagan } from './index.js';

/*
 * The wasm backend trains through Gantry's own kernels (explicit-transpose matMul forms,
 * Conv2DBackpropFilter) and XNNPACK; cpu is TF.js's plain reference. With the same seed
 * the two must train the same run: every term of the first 20 steps within 1e-4 relative.
 * 4 × 128 MLPs take both matMul forms (dy·Wᵀ swapped, xᵀ·dy direct) at batch 32.
 */
const STEPS = 20;

interface Case {
  readonly name: string;
  build(): { setup: RecipeSetup; data: DataSource };
}

const CASES: readonly Case[] = [
  {
    name: 'points, 4 × 128 MLPs',
    build: () => ({
      setup: vcagan.build({ sampleShape: [2], classes: 4 }, { lambdaCreg: 0.1, units: 128, layers: 4 }, 1),
      data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)),
    }),
  },
  {
    // The image networks (strided convolutions in D*, transposed ones in G), narrowed and on
    // 8 × 8 images so that cpu (whose Conv2DBackpropFilter is naive) runs 20 steps in
    // seconds: R1 and L_creg differentiate through the convolutions twice, using the
    // registered Conv2DBackpropFilter.
    name: 'images, CNNs on 8 × 8',
    build: () => {
      const pixels = createRandom(5).uniform([64, 8, 8, 1], -1, 1);
      const dataset = inMemoryDataset({ values: pixels.dataSync() as Float32Array, sampleShape: [8, 8, 1] });
      pixels.dispose();
      return {
        setup: vcagan.build({ sampleShape: [8, 8, 1], classes: undefined }, { lambdaCreg: 5, latentDim: 16, categories: 4, channels: [8, 16] }, 1),
        data: datasetSource(dataset, { seed: 1 }),
      };
    },
  },
];

async function firstSteps(backend: 'cpu' | 'wasm', testCase: Case, plan = false): Promise<StepReport[]> {
  await useBackend(backend);
  const { setup, data } = testCase.build();
  const trainer = createTrainer({ setup, data, seed: 1, plan });
  const reports: StepReport[] = [];
  for (let step = 0; step < STEPS; step++) reports.push(trainer.trainStep());
  trainer.dispose();
  Object.values(setup.networks).forEach((model) => model.dispose());
  return reports;
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('VCAGAN on wasm against cpu', () => {
  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))(`%s: the same losses and P(C) for the first ${STEPS} steps, within 1e-4 relative`, async (name, testCase) => {
    const cpu = await firstSteps('cpu', testCase);
    const wasm = await firstSteps('wasm', testCase);
    expect(tf.getBackend()).toBe('wasm');
    let worst = { term: '', step: 0, difference: 0 };
    for (let index = 0; index < STEPS; index++) {
      const expected = cpu[index] as StepReport;
      const actual = wasm[index] as StepReport;
      expect(Object.keys(actual.losses).sort()).toEqual(Object.keys(expected.losses).sort());
      const pairs: [string, number, number][] = [
        ...Object.entries(expected.losses).map(([term, value]): [string, number, number] => [term, actual.losses[term] as number, value]),
        ...expected.prior.map((value, category): [string, number, number] => [`prior[${category}]`, actual.prior[category] as number, value]),
      ];
      for (const [term, a, e] of pairs) {
        expect(Number.isFinite(a)).toBe(true);
        const difference = relative(a, e);
        if (difference > worst.difference) worst = { term, step: index + 1, difference };
      }
    }
    // The bound is checked on the worst case so that a failure names it.
    expect(worst.difference, `worst: ${worst.term} at step ${worst.step}`).toBeLessThanOrEqual(1e-4);
    // The runs did train: the losses moved.
    expect((wasm[STEPS - 1] as StepReport).losses['discriminator.adversarial']).not.toBe((wasm[0] as StepReport).losses['discriminator.adversarial']);
    console.log(`wasm vs cpu, ${STEPS} VCAGAN steps (${name}): worst relative difference ${worst.difference.toExponential(2)} (${worst.term}, step ${worst.step})`);
  }, 120_000);
});

// Replayed kernel plans call wasm's kernels directly, Gantry's composite ones (the
// convolution gradients, written with TF.js ops) included: the same run, bit for bit.
describe('VCAGAN on wasm from kernel plans', () => {
  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))(`%s: the same losses and P(C) as the engine for ${STEPS} steps, exactly`, async (name, testCase) => {
    const valueChecks = valueChecksEnabled();
    setValueChecks(false);
    const engine = await firstSteps('wasm', testCase);
    const planned = await firstSteps('wasm', testCase, true);
    setValueChecks(valueChecks);
    expect(planned).toEqual(engine);
  });
});

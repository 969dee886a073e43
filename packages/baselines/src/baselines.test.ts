import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource, type Recipe } from '@gantry/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { acgan, cagan, infoGan, vanillaGan, type BaselineOptions } from './index.js';

const TINY = { units: 8, layers: 2 };

/** What each baseline's step optimises, term by term (the paper's Eqs. 1-5 and its Figs. 2-3). */
const EXPECTED: readonly [Recipe<BaselineOptions>, Record<string, Record<string, number>>][] = [
  [vanillaGan, { discriminator: { adversarial: 1, r1: 1 }, generator: { adversarial: 1 } }],
  [infoGan, { discriminator: { adversarial: 1, cls: 1, r1: 1 }, generator: { adversarial: 1, cls: 1 } }],
  [acgan, { discriminator: { adversarial: 1, auxiliary: 1, r1: 1 }, generator: { adversarial: 1, cls: 1 } }],
  [cagan, { discriminator: { adversarial: 1, r1: 1 }, generator: { adversarial: 1 } }],
];

describe('baseline recipes', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(EXPECTED.map(([recipe, phases]) => [recipe.name, recipe, phases] as const))('%s: its phases and weights, and 10 finite training steps on the labelled mixture', (_name, recipe, phases) => {
    const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
    const setup = recipe.build({ sampleShape: [2], classes: 4 }, TINY, 1);
    expect(Object.fromEntries(setup.phases.map((phase) => [phase.name, phase.weights]))).toEqual(phases);
    // Only the recipes with a classifier head can be evaluated as clusterings.
    expect(setup.classify !== undefined).toBe(recipe.name === 'infogan' || recipe.name === 'acgan');
    // Fixed priors: the baselines never move P(C).
    expect(setup.updatePrior).toBeUndefined();
    const trainer = createTrainer({ setup, data, batchSize: 16, seed: 2 });
    const first = trainer.prior.probabilities();
    let report = trainer.trainStep();
    for (let i = 0; i < 9; i++) report = trainer.trainStep();
    expect(Object.values(report.losses).every(Number.isFinite)).toBe(true);
    expect(report.prior).toEqual(first);
    trainer.dispose();
    Object.values(setup.networks).forEach((model) => model.dispose());
  });

  it('InfoGAN takes a given optimal prior; the supervised recipes take d_c from the data', () => {
    const info = infoGan.build({ sampleShape: [2], classes: undefined }, { ...TINY, probabilities: [0.1, 0.2, 0.3, 0.4] }, 1);
    expect(info.categorical.probabilities()).toEqual([0.1, 0.2, 0.3, 0.4]);
    const supervised = cagan.build({ sampleShape: [2], classes: 4 }, TINY, 1);
    expect(supervised.categorical.categories).toBe(4);
    for (const setup of [info, supervised]) Object.values(setup.networks).forEach((model) => model.dispose());
  });

  it('on images, every baseline sizes its CNNs from `channels` (D from the input up, G in reverse), as VCAGAN does', () => {
    const filters = (model: { layers: readonly { getConfig(): Record<string, unknown> }[] }): unknown[] => model.layers.flatMap((layer) => (layer.getConfig().filters === undefined ? [] : [layer.getConfig().filters]));
    for (const recipe of [vanillaGan, infoGan, acgan, cagan] as Recipe<BaselineOptions>[]) {
      const setup = recipe.build({ sampleShape: [8, 8, 1], classes: 3 }, { categories: 3, channels: [4, 6] }, 1);
      expect([recipe.name, filters(setup.networks.discriminator as never)]).toEqual([recipe.name, [4, 6]]);
      expect([recipe.name, filters(setup.networks.generator as never)]).toEqual([recipe.name, [4, 1]]);
      Object.values(setup.networks).forEach((model) => model.dispose());
    }
  });

  it('the supervised recipes refuse unlabelled data', () => {
    expect(invalidArgumentMessage(() => acgan.build({ sampleShape: [2], classes: undefined }, TINY, 1))).toBe(
      "acgan.build: data.classes must be the number of label classes (acgan trains on the dataset's labels), got unlabelled data.",
    );
  });
});

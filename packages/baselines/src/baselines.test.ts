import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import type { TermContext } from '@gantry/trainer';
import type * as tfl from '@tensorflow/tfjs-layers';
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

  /*
   * Each term's value against the paper's formula written out here with plain TF.js ops
   * (softplus for the logistic pair, cross-entropy as −Σ c·log softmax, R1 as E‖∇x D‖²), on
   * one fixed batch: a term fed the wrong tensors (real for fake, c for the real labels) or
   * the wrong formula gives another number.
   */
  it.each([vanillaGan, infoGan, acgan, cagan].map((recipe) => [recipe.name, recipe] as const))('%s: every term equals its formula on a fixed batch', (_name, recipe) => {
    const setup = recipe.build({ sampleShape: [2], classes: 4 }, TINY, 3);
    const random = createRandom(11);
    const real = random.normal([6, 2]);
    const hot = (indices: number[], width: number): tf.Tensor2D => tf.cast(tf.oneHot(tf.tensor1d(indices, 'int32'), width), 'float32') as tf.Tensor2D;
    const realLabels = hot([0, 1, 2, 3, 1, 2], 4);
    // d_c: the data's 4 classes for the supervised recipes, 8 for the unsupervised ones.
    const c = hot([3, 3, 0, 1, 2, 0], setup.categorical.categories);
    const z = random.normal([6, 16]) as tf.Tensor2D;
    const batch = { real, realLabels, z, c, generatorInput: tf.concat([z, c], 1) as tf.Tensor2D };
    const cache = new Map<string, unknown>();
    const context: TermContext = { step: 1, batch, networks: setup.networks, memo: (key, compute) => (cache.has(key) ? cache.get(key) : (cache.set(key, compute()), cache.get(key))) as never };
    const D = setup.networks['discriminator'] as tfl.LayersModel;
    const G = setup.networks['generator'] as tfl.LayersModel;
    const outputs = (x: tf.Tensor): tf.Tensor[] => {
      const out = D.apply(x);
      return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
    };
    const fake = G.apply(batch.generatorInput) as tf.Tensor;
    const mean = (t: tf.Tensor): number => tf.mean(t).dataSync()[0] as number;
    const crossEntropy = (labels: tf.Tensor, logits: tf.Tensor): number => mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
    const r1 = (logit: (x: tf.Tensor) => tf.Tensor): number => mean(tf.sum(tf.square(tf.grad((x: tf.Tensor) => tf.sum(logit(x)))(real)), -1));
    // The adversarial logit: one output (vanilla), the 1-wide head (InfoGAN, ACGAN), a·c (CAGAN, Eq. 4).
    const logit = (x: tf.Tensor, labels: tf.Tensor): tf.Tensor =>
      recipe.name === 'cagan' ? tf.sum(tf.mul(outputs(x)[0] as tf.Tensor, labels), -1) : tf.reshape(outputs(x)[0] as tf.Tensor, [-1]);
    const realLogit = logit(real, realLabels);
    const fakeLogit = logit(fake, c);
    const expected: Record<string, number> = {
      'discriminator.adversarial': mean(tf.softplus(tf.neg(realLogit))) + mean(tf.softplus(fakeLogit)),
      'discriminator.r1': r1((x) => logit(x, realLabels)),
      'generator.adversarial': mean(tf.softplus(tf.neg(fakeLogit))),
    };
    if (recipe.name === 'infogan' || recipe.name === 'acgan') {
      const fakeLogits = outputs(fake)[1] as tf.Tensor;
      expected['generator.cls'] = crossEntropy(c, fakeLogits);
      if (recipe.name === 'infogan') expected['discriminator.cls'] = crossEntropy(c, fakeLogits);
      else expected['discriminator.auxiliary'] = crossEntropy(realLabels, outputs(real)[1] as tf.Tensor) + crossEntropy(c, fakeLogits);
    }
    const actual: Record<string, number> = {};
    for (const phase of setup.phases) {
      cache.clear();
      for (const [term, compute] of Object.entries(phase.terms)) actual[`${phase.name}.${term}`] = compute(context).dataSync()[0] as number;
    }
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(actual[name], name).toBeCloseTo(value, 5);
    Object.values(setup.networks).forEach((model) => model.dispose());
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { argmaxOneHot, classifierGradientPenalty, conditionalLogits, r1Penalty } from '@gantry/losses';
import { discriminatorOutputs, parameterCount } from '@gantry/models';
import { createTrainer, mixtureSource, type RecipeSetup, type StepBatch, type TermContext } from '@gantry/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { vcagan } from './index.js';

const TINY = { units: 8, layers: 2 };

function disposeSetup(setup: RecipeSetup): void {
  Object.values(setup.networks).forEach((model) => model.dispose());
}

describe('the VCAGAN recipe', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is Algorithm 1: D* trains on adversarial + cls + creg + r1, G on the adversarial term alone (Eq. 8)', () => {
    const setup = vcagan.build({ sampleShape: [2], classes: undefined }, { lambdaCreg: 0.1 }, 1);
    expect(setup.phases.map((phase) => [phase.name, phase.network, phase.weights])).toEqual([
      ['discriminator', 'discriminator', { adversarial: 1, cls: 1, creg: 0.1, r1: 1 }],
      ['generator', 'generator', { adversarial: 1 }],
    ]);
    // The paper's sizes for points: d_z = 16, d_c = 8, 4 × 512 MLPs; P(C) starts uniform, EMA 0.999.
    expect(setup.continuous.dimension).toBe(16);
    expect(setup.categorical.categories).toBe(8);
    expect(setup.categorical.rule.options).toEqual({ decay: 0.999 });
    expect(parameterCount(setup.networks.discriminator as NonNullable<typeof setup.networks.discriminator>)).toBe(797_712);
    expect(parameterCount(setup.networks.generator as NonNullable<typeof setup.networks.generator>)).toBe(801_794);
    disposeSetup(setup);
    const images = vcagan.build({ sampleShape: [28, 28, 1], classes: 10 }, {}, 1);
    expect([images.continuous.dimension, images.categorical.categories]).toEqual([128, 16]);
    disposeSetup(images);
  });

  it('its terms compute the paper’s quantities on the step’s batch', () => {
    const setup = vcagan.build({ sampleShape: [2], classes: undefined }, { ...TINY, categories: 3, latentDim: 4 }, 2);
    const D = setup.networks.discriminator as NonNullable<typeof setup.networks.discriminator>;
    const random = createRandom(3);
    tf.tidy(() => {
      const real = random.normal([6, 2]);
      const c = setup.categorical.sample(6, random);
      const z = random.normal([6, 4]) as tf.Tensor2D;
      const batch: StepBatch = { real, realLabels: undefined, z, c, generatorInput: tf.concat([z, c], 1) as tf.Tensor2D };
      const cache = new Map<string, unknown>();
      const context: TermContext = {
        batch,
        networks: setup.networks,
        memo: <T>(key: string, compute: () => T): T => (cache.has(key) ? (cache.get(key) as T) : (cache.set(key, compute()), cache.get(key) as T)),
      };
      const terms = (setup.phases[0] as RecipeSetup['phases'][number]).terms;
      const virtual = argmaxOneHot(discriminatorOutputs(D, real).logits);
      const creg = classifierGradientPenalty({ classifier: (x) => discriminatorOutputs(D, x).logits, real });
      const r1 = r1Penalty({ discriminator: (x) => conditionalLogits({ adversarial: discriminatorOutputs(D, x).adversarial, labels: virtual }), real });
      expect((terms.creg as (context: TermContext) => tf.Scalar)(context).dataSync()[0]).toBeCloseTo(creg.dataSync()[0] as number, 6);
      expect((terms.r1 as (context: TermContext) => tf.Scalar)(context).dataSync()[0]).toBeCloseTo(r1.dataSync()[0] as number, 6);
      // The prior update is fed Q(x_real) = softmax of the classifier logits on the real batch.
      const observed = (setup.phases[0] as RecipeSetup['phases'][number]).observe?.(context) ?? {};
      const expected = tf.softmax(discriminatorOutputs(D, real).logits);
      expect(Array.from((observed.realProbabilities as tf.Tensor).dataSync())).toEqual(Array.from(expected.dataSync()));
    });
    disposeSetup(setup);
  });

  it('trains: losses finite, P(C) moves from uniform, an ablation is one weight', () => {
    const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
    const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { ...TINY, lambdaCreg: 0.1 }, 1);
    const trainer = createTrainer({ setup, data, batchSize: 16, seed: 1, weights: { discriminator: { r1: 0 } } });
    let report = trainer.trainStep();
    for (let i = 0; i < 20; i++) report = trainer.trainStep();
    expect(Object.keys(report.losses)).toEqual(['discriminator.adversarial', 'discriminator.cls', 'discriminator.creg', 'generator.adversarial']);
    expect(Object.values(report.losses).every(Number.isFinite)).toBe(true);
    expect(report.entropy).toBeLessThan(Math.log(8));
    trainer.dispose();
    disposeSetup(setup);
  });

  it('rejects data it cannot model, naming it', () => {
    expect(invalidArgumentMessage(() => vcagan.build({ sampleShape: [4, 4], classes: undefined }, {}, 1))).toBe(
      'vcagan.build: data.sampleShape must be [features] (points) or [height, width, channels] (images), got [4,4].',
    );
  });
});

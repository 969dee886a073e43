import * as tf from '@tensorflow/tfjs-core';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { trainableVariables } from '@gantry/models';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, NonFiniteLossError, type Trainer } from './index.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

function weightsOf(trainer: Trainer): number[][] {
  return Object.values(trainer.setup.networks).flatMap((model) => trainableVariables(model).map((variable) => Array.from(variable.dataSync())));
}

function tinyTrainer(seed = 3, extra: Partial<Parameters<typeof createTrainer>[0]> = {}): Trainer {
  return createTrainer({ setup: tinyRecipe(seed), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 16, seed, ...extra });
}

function dispose(trainer: Trainer): void {
  trainer.dispose();
  for (const model of Object.values(trainer.setup.networks)) model.dispose();
}

describe('createTrainer on cpu', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reports every active term and moves the prior', () => {
    const trainer = tinyTrainer();
    const report = trainer.trainStep();
    expect(report.step).toBe(1);
    expect(Object.keys(report.losses).sort()).toEqual(['discriminator.adversarial', 'discriminator.cls', 'discriminator.creg', 'discriminator.r1', 'generator.adversarial']);
    expect(Object.values(report.losses).every(Number.isFinite)).toBe(true);
    expect(report.prior).not.toEqual([1 / 3, 1 / 3, 1 / 3]);
    // Float32 softmax rows sum to 1 within ~1e-7, so P(C) does too.
    expect(report.prior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    dispose(trainer);
  });

  it('a weight override of 0 removes the term from the step; unknown names are rejected', () => {
    const trainer = tinyTrainer(3, { weights: { discriminator: { creg: 0 } } });
    expect(Object.keys(trainer.trainStep().losses)).not.toContain('discriminator.creg');
    dispose(trainer);
    expect(invalidArgumentMessage(() => tinyTrainer(3, { weights: { discriminator: { cerg: 1 } } }))).toBe(
      'createTrainer: options.weights.discriminator.cerg must be a term of phase discriminator (adversarial, cls, creg, r1), got an unknown term.',
    );
  });

  it('resumes exactly: 200 steps straight equal 100 steps, a snapshot, a fresh trainer restored, 100 more', () => {
    const straight = tinyTrainer(5, { generatorEma: 0.9 });
    for (let i = 0; i < 200; i++) straight.trainStep();
    const first = tinyTrainer(5, { generatorEma: 0.9 });
    for (let i = 0; i < 100; i++) first.trainStep();
    const snapshot = first.snapshot();
    const json = JSON.parse(JSON.stringify(snapshot.json)) as typeof snapshot.json;
    dispose(first);
    const resumed = tinyTrainer(5, { generatorEma: 0.9 });
    resumed.restore({ json, tensors: snapshot.tensors });
    tf.dispose(snapshot.tensors);
    expect(resumed.step).toBe(100);
    for (let i = 0; i < 100; i++) resumed.trainStep();
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    expect(resumed.prior.probabilities()).toEqual(straight.prior.probabilities());
    const emaOf = (trainer: Trainer): number[][] => (trainer.generatorEma?.shadows ?? []).map((shadow) => Array.from(shadow.dataSync()));
    expect(emaOf(resumed)).toEqual(emaOf(straight));
    dispose(straight);
    dispose(resumed);
  });

  it('stops on a NaN term, naming it and the step, before applying the bad gradient', () => {
    const counter = { value: 0 };
    const trainer = createTrainer({ setup: tinyRecipe(2, { poison: { atStep: 4, counter } }), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 2 });
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const before = weightsOf(trainer);
    const prior = trainer.prior.probabilities();
    let caught: unknown;
    try {
      trainer.trainStep();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonFiniteLossError);
    expect((caught as NonFiniteLossError).message).toBe(
      'Loss term discriminator.creg is NaN at step 4; training stopped before applying it (the last checkpoint is intact).',
    );
    expect([(caught as NonFiniteLossError).step, (caught as NonFiniteLossError).term]).toEqual([4, 'creg']);
    expect(trainer.step).toBe(3);
    expect(weightsOf(trainer)).toEqual(before);
    expect(trainer.prior.probabilities()).toEqual(prior);
    dispose(trainer);
  });

  it('leaks no tensor: the count at step 1000 equals the count at step 100', () => {
    const trainer = tinyTrainer(7, { generatorEma: 0.99 });
    for (let i = 0; i < 100; i++) trainer.trainStep();
    const atHundred = tf.memory().numTensors;
    for (let i = 100; i < 1000; i++) trainer.trainStep();
    expect(tf.memory().numTensors).toBe(atHundred);
    const samples = trainer.sample(10);
    samples.x.dispose();
    expect(tf.memory().numTensors).toBe(atHundred);
    dispose(trainer);
  });

  it('creating and disposing a trainer (Adam moments, EMA) leaves only the networks’ own variables', () => {
    const setup = tinyRecipe(9);
    const withNetworks = tf.memory().numTensors;
    const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 9, generatorEma: 0.9 });
    trainer.trainStep();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(withNetworks);
    Object.values(setup.networks).forEach((model) => model.dispose());
  });

  it('samples chosen categories, with the averaged generator weights when an EMA is on', () => {
    const trainer = tinyTrainer(8, { generatorEma: 0.5 });
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const averaged = trainer.sample(4, { categories: [0, 1, 2, 0] });
    const trained = trainer.sample(4, { categories: [0, 1, 2, 0], useEma: false });
    expect(Array.from(averaged.categories)).toEqual([0, 1, 2, 0]);
    expect(averaged.x.shape).toEqual([4, 2]);
    expect(Array.from(averaged.x.dataSync())).not.toEqual(Array.from(trained.x.dataSync()));
    tf.dispose([averaged.x, trained.x]);
    dispose(trainer);
  });
});

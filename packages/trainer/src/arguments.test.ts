import * as tf from '@tensorflow/tfjs-core';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { trainableVariables } from '@gantry/models';
import { categoricalPrior } from '@gantry/priors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as trainerPackage from './index.js';
import { checkpoints, metricsLog } from './callbacks.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

// The cases pass what a user's JavaScript could pass: wrong types on purpose, so the
// package is called untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const T = { ...trainerPackage, metricsLog, checkpoints } as any;

// Every argument check of the package, with the one line a user reads: the function, the
// argument, what was expected and what came (the messages are the interface).
describe('trainer: every mistake gets its own line', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let trainer: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let withEma: any;
  let snapshot: { json: object; tensors: tf.NamedTensorMap };
  beforeAll(async () => {
    await useBackend('cpu');
    trainer = T.createTrainer({ setup: tinyRecipe(3), data: T.mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 3 });
    withEma = T.createTrainer({ setup: tinyRecipe(3), data: T.mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 3, generatorEma: 0.9 });
    snapshot = trainer.snapshot();
  });
  afterAll(() => {
    tf.dispose(snapshot.tensors);
    for (const made of [trainer, withEma]) {
      made.dispose();
      for (const model of Object.values(made.setup.networks) as { dispose(): void }[]) model.dispose();
    }
  });

  const mixture = (): unknown => T.mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
  const cases = (): [string, () => unknown, string][] => [
    ["adam learningRate 0", () => T.adam({ learningRate: 0 }), "adam: options.learningRate must be a finite number > 0, got 0."],
    ["adam learningRate NaN", () => T.adam({ learningRate: Number.NaN }), "adam: options.learningRate must be a finite number > 0, got NaN."],
    ["adam beta1 1", () => T.adam({ beta1: 1 }), "adam: options.beta1 must be a number in [0, 1), got 1."],
    ["adam beta1 -0.1", () => T.adam({ beta1: -0.1 }), "adam: options.beta1 must be a number in [0, 1), got -0.1."],
    ["adam beta2 1.5", () => T.adam({ beta2: 1.5 }), "adam: options.beta2 must be a number in [0, 1), got 1.5."],
    ["adam beta2 1", () => T.adam({ beta2: 1 }), "adam: options.beta2 must be a number in [0, 1), got 1."],
    ["adam epsilon 0", () => T.adam({ epsilon: 0 }), "adam: options.epsilon must be a finite number > 0, got 0."],
    ["Adam.apply variables", () => T.adam().apply({ step: 0, firstMoments: [], secondMoments: [] }, trainableVariables(trainer.setup.networks.generator), {}), "Adam.apply: variables must be 0 variables (the list the state was made for), got 6."],
    ["weightsEma decay 1", () => T.weightsEma([], { decay: 1 }), "weightsEma: options.decay must be a finite number in (0, 1), got 1."],
    ["weightsEma decay 0", () => T.weightsEma([], { decay: 0 }), "weightsEma: options.decay must be a finite number in (0, 1), got 0."],
    ["every interval 0", () => T.every(0, () => undefined), "every: interval must be an integer >= 1, got 0."],
    ["every interval 1.5", () => T.every(1.5, () => undefined), "every: interval must be an integer >= 1, got 1.5."],
    ["metricsLog every 0", () => T.metricsLog('/tmp/x.jsonl', { every: 0 }), "metricsLog: options.every must be an integer >= 1, got 0."],
    ["checkpoints every 2.5", () => T.checkpoints('/tmp/x', {}, { every: 2.5 }), "checkpoints: options.every must be an integer >= 1, got 2.5."],
    ["createTrainer batchSize 0", () => T.createTrainer({ setup: tinyRecipe(3), data: mixture(), batchSize: 0 }), "createTrainer: options.batchSize must be an integer >= 1, got 0."],
    ["createTrainer batchSize 2.5", () => T.createTrainer({ setup: tinyRecipe(3), data: mixture(), batchSize: 2.5 }), "createTrainer: options.batchSize must be an integer >= 1, got 2.5."],
    ["createTrainer seed -1", () => T.createTrainer({ setup: tinyRecipe(3), data: mixture(), seed: -1 }), "createTrainer: options.seed must be an integer >= 0, got -1."],
    ["createTrainer unknown phase", () => T.createTrainer({ setup: tinyRecipe(3), data: mixture(), weights: { critic: { r1: 1 } } }), "createTrainer: options.weights.critic must be a phase of the recipe (discriminator, generator), got an unknown phase."],
    ["createTrainer unknown term", () => T.createTrainer({ setup: tinyRecipe(3), data: mixture(), weights: { generator: { r1: 1 } } }), "createTrainer: options.weights.generator.r1 must be a term of phase generator (adversarial), got an unknown term."],
    ["createTrainer weight NaN", () => T.createTrainer({ setup: tinyRecipe(3), data: mixture(), weights: { discriminator: { r1: Number.NaN } } }), "createTrainer: options.weights.discriminator.r1 must be a finite number, got NaN."],
    ["createTrainer generator key", () => T.createTrainer({ setup: { ...tinyRecipe(3), generator: 'painter' }, data: mixture() }), "createTrainer: options.setup.generator must be a key of setup.networks (discriminator, generator), got \"painter\"."],
    ["Trainer.sample count 0", () => trainer.sample(0), "Trainer.sample: count must be an integer >= 1, got 0."],
    ["Trainer.sample count 1.5", () => trainer.sample(1.5), "Trainer.sample: count must be an integer >= 1, got 1.5."],
    ["Trainer.sample latent", () => trainer.sample(3, { latent: 'z' as unknown as tf.Tensor2D }), "Trainer.sample: options.latent must be a tensor of shape [3, 4] (count × d_z), got \"z\"."],
    ["Trainer.sample categories count", () => trainer.sample(3, { categories: [0, 1] }), "Trainer.sample: options.categories must be 3 categories (one per sample), got 2."],
    ["Trainer.restore format", () => trainer.restore({ json: { ...snapshot.json, format: 'other' }, tensors: {} }), "Trainer.restore: snapshot.json.format must be 'gantry/trainer-state' version 1, got other version 1."],
    ["Trainer.restore version", () => trainer.restore({ json: { ...snapshot.json, version: 2 }, tensors: {} }), "Trainer.restore: snapshot.json.format must be 'gantry/trainer-state' version 1, got gantry/trainer-state version 2."],
    ["Trainer.restore a tensor missing", () => trainer.restore({ json: snapshot.json, tensors: {} }), "Trainer.restore: snapshot.tensors['network/discriminator/0'] must be a tensor of shape [2, 8], got nothing."],
    ["adam beta2 \"0.9\"", () => T.adam({ beta2: '0.9' }), "adam: options.beta2 must be a number in [0, 1), got \"0.9\"."],
    ["Trainer.restore a tensor's shape", () => trainer.restore({ json: snapshot.json, tensors: { ...snapshot.tensors, 'network/discriminator/0': tf.zeros([8, 2]) } }), "Trainer.restore: snapshot.tensors['network/discriminator/0'] must be shape [2, 8], got shape [8, 2]."],
    ["Trainer.restore an EMA this trainer has not", () => trainer.restore({ json: { ...snapshot.json, generatorEma: 0.9 }, tensors: snapshot.tensors }), "Trainer.restore: snapshot.json.generatorEma must be null (this trainer has no generator EMA), got 0.9."],
    ["Trainer.restore no EMA where this trainer has one", () => withEma.restore({ json: snapshot.json, tensors: snapshot.tensors }), "Trainer.restore: snapshot.json.generatorEma must be a decay (this trainer averages with 0.9), got null."],
    ["createTrainer a phase's network", () => T.createTrainer({ setup: { ...tinyRecipe(3), phases: [{ ...tinyRecipe(3).phases[0], network: 'critic' }] }, data: mixture() }), "createTrainer: phase discriminator.network must be a key of setup.networks (discriminator, generator), got \"critic\"."],
    ["Trainer.restore a prior of other categories", () => trainer.restore({ json: { ...snapshot.json, prior: T.createTrainer({ setup: { ...tinyRecipe(3), categorical: categoricalPrior({ categories: 2 }) }, data: mixture() }).prior.toJSON() }, tensors: snapshot.tensors }), "Trainer.restore: snapshot.json.prior.categories must be 3 (this trainer's categories), got 2."],
    ["observedRows rank 1", () => T.observedRows({ shape: [3], values: [1, 2, 3] }), "observedRows: value.shape must be [rows, columns], got [3]."],
    ["observedRows rank 3", () => T.observedRows({ shape: [1, 2, 1], values: [1, 2] }), "observedRows: value.shape must be [rows, columns], got [1, 2, 1]."],
  ];

  it('names the argument, the expected and the actual value, for each of the package\'s checks', () => {
    for (const [name, thunk, message] of cases()) expect(invalidArgumentMessage(thunk), name).toBe(message);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { setValueChecks } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, NonFiniteLossError, stepIndependent, type DataSource, type Phase, type RecipeSetup, type Trainer } from './index.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

// Plans on batches without labels, a plan whose key hides a change in what the phase
// returns, a recipe with no phases, and what a NaN step leaves behind.

function dispose(trainer: Trainer): void {
  trainer.dispose();
  for (const model of Object.values(trainer.setup.networks)) model.dispose();
}

const keyed = (setup: RecipeSetup): RecipeSetup => ({ ...setup, phases: setup.phases.map((phase) => ({ ...phase, planKey: stepIndependent })) });

describe('the trainer with plans: unlabelled batches, keys that hide a change, no phases', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    setValueChecks(false);
  });
  afterAll(() => {
    setValueChecks(true);
  });

  it('replays plans on batches without labels, with the losses the engine gives', () => {
    const mixture = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
    const unlabelled: DataSource = { ...mixture, next: (batchSize, random) => ({ x: mixture.next(batchSize, random).x, labels: undefined }) };
    const planned = createTrainer({ setup: keyed(tinyRecipe(21)), data: unlabelled, batchSize: 8, seed: 21, plan: true });
    const engine = createTrainer({ setup: keyed(tinyRecipe(21)), data: unlabelled, batchSize: 8, seed: 21 });
    for (let step = 0; step < 5; step++) expect(planned.trainStep().losses).toEqual(engine.trainStep().losses);
    expect(Object.values(planned.plans()).every((status) => status.startsWith('replayed'))).toBe(true);
    dispose(planned);
    dispose(engine);
  });

  it('a key that hides a change in how many values a phase returns: the check finds it, and training goes on', () => {
    // The discriminator observes a second value from step 2 on, under one plan key.
    const setup = tinyRecipe(22);
    const phases: Phase[] = setup.phases.map((phase) =>
      phase.name !== 'discriminator'
        ? phase
        : {
            ...phase,
            observe: (context) => ({ ...(phase.observe?.(context) ?? {}), ...(context.step >= 2 ? { extra: tf.scalar(context.step) } : {}) }),
          },
    );
    const trainer = createTrainer({ setup: keyed({ ...setup, phases }), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 22, plan: true });
    for (let step = 0; step < 4; step++) trainer.trainStep();
    expect(trainer.plans().discriminator).toBe('engine: at step 2 its replay differed from the real computation');
    expect(trainer.step).toBe(4);
    dispose(trainer);
  });

  it('gives the generator the recipe’s label encoding (centered: (K·c − 1)/√(K − 1)) in its steps', () => {
    const setup = tinyRecipe(25);
    let labels: number[] = [];
    const phases: Phase[] = setup.phases.map((phase) =>
      phase.name !== 'generator'
        ? phase
        : {
            ...phase,
            observe: (context) => {
              labels = Array.from(tf.tidy(() => tf.slice(context.batch.generatorInput, [0, 4], [-1, 3])).dataSync());
              return {};
            },
          },
    );
    const trainer = createTrainer({ setup: { ...setup, phases, labelEncoding: 'centered' }, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 25 });
    trainer.trainStep();
    // Three categories: a chosen one is (3 − 1)/√2 = √2, the others −1/√2.
    expect([...new Set(labels.map((value) => value.toFixed(5)))].sort()).toEqual(['-0.70711', '1.41421']);
    dispose(trainer);
  });

  it('refuses a recipe with no phases', () => {
    const setup = tinyRecipe(23);
    expect(invalidArgumentMessage(() => createTrainer({ setup: { ...setup, phases: [] }, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)) }))).toBe(
      'createTrainer: options.setup.phases must be at least one phase, got none.',
    );
    for (const model of Object.values(setup.networks)) model.dispose();
  });
});

describe('a NaN step with value checks on', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(['discriminator', 'generator'] as const)('leaves no tensor behind, step after step (NaN in the %s phase)', (phase) => {
    const counter = { value: 0 };
    const trainer = createTrainer({ setup: tinyRecipe(24, { poison: { atStep: 2, counter, phase } }), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 24 });
    trainer.trainStep();
    const before = tf.memory().numTensors;
    expect(() => trainer.trainStep()).toThrow(NonFiniteLossError);
    expect(tf.memory().numTensors).toBe(before);
    // Taken again (the poison fires once), the step goes through.
    expect(trainer.trainStep().step).toBe(2);
    dispose(trainer);
  });
});

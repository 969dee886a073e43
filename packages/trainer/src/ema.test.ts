import * as tf from '@tensorflow/tfjs-core';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { trainableVariables } from '@gantry/models';
import { useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, weightsEma } from './index.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

describe('weightsEma at decay 0.9 (where swapping decay and 1 − decay would show)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('moves by θ̄ ← 0.9·θ̄ + 0.1·θ, by hand, and lends its weights only inside withAveragedWeights', () => {
    const variable = tf.variable(tf.tensor1d([1, 2]));
    const ema = weightsEma([variable], { decay: 0.9 });
    variable.assign(tf.tensor1d([11, 22]));
    ema.update([variable]);
    const first = Array.from((ema.shadows[0] as tf.Variable).dataSync());
    [2, 4].forEach((value, i) => expect(first[i]).toBeCloseTo(value, 6));
    variable.assign(tf.tensor1d([0, 0]));
    ema.update([variable]);
    const inside = ema.withAveragedWeights([variable], () => Array.from(variable.dataSync()));
    [1.8, 3.6].forEach((expected, i) => expect(inside[i]).toBeCloseTo(expected, 6));
    expect(Array.from(variable.dataSync())).toEqual([0, 0]);
    ema.dispose();
    variable.dispose();
  });

  it('in a trainer: the shadow equals the float32 recurrence over the generator’s weights after each step, from its initial weights', () => {
    const setup = tinyRecipe(6);
    const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 6, generatorEma: 0.9 });
    const generator = trainableVariables(setup.networks.generator as NonNullable<(typeof setup.networks)['generator']>);
    const [decay, rest] = [Math.fround(0.9), Math.fround(1 - 0.9)];
    let expected = generator.map((variable) => Array.from(variable.dataSync()));
    for (let step = 0; step < 4; step++) {
      trainer.trainStep();
      expected = generator.map((variable, index) => Array.from(variable.dataSync(), (theta, k) => Math.fround(Math.fround((expected[index] as number[])[k] as number * decay) + Math.fround(theta * rest))));
    }
    const shadows = (trainer.generatorEma?.shadows ?? []).map((shadow) => Array.from(shadow.dataSync()));
    expect(shadows).toEqual(expected);
    // Not trivially equal to the weights themselves.
    expect(shadows).not.toEqual(generator.map((variable) => Array.from(variable.dataSync())));
    trainer.dispose();
    Object.values(setup.networks).forEach((model) => model.dispose());
  });
});

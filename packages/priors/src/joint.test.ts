import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { categoricalPrior, exponentialMovingAverage, generatorInput, normalPrior, oneHotLabels, sampleGeneratorInput } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

describe.each(TESTED_BACKENDS)('joint prior on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('samples (z, c) and concatenates them: the paper’s d_z = 16, d_c = 8', () => {
    const { z, c, input } = sampleGeneratorInput(normalPrior(16), categoricalPrior({ categories: 8, rule: exponentialMovingAverage() }), 32, createRandom(1));
    expect([z.shape, c.shape, input.shape]).toEqual([
      [32, 16],
      [32, 8],
      [32, 24],
    ]);
    const pieces = tf.split(input, [16, 8], 1);
    expect(Array.from((pieces[0] as tf.Tensor).dataSync())).toEqual(Array.from(z.dataSync()));
    expect(Array.from((pieces[1] as tf.Tensor).dataSync())).toEqual(Array.from(c.dataSync()));
    tf.dispose([z, c, input, ...pieces]);
  });

  it('is reproducible from one seed: z first, then c', () => {
    const continuous = normalPrior(3);
    const categorical = categoricalPrior({ probabilities: [0.1, 0.4, 0.2, 0.3] });
    const a = sampleGeneratorInput(continuous, categorical, 6, createRandom(9));
    const b = sampleGeneratorInput(continuous, categorical, 6, createRandom(9));
    expect(Array.from(b.input.dataSync())).toEqual(Array.from(a.input.dataSync()));
    const random = createRandom(9);
    const z = continuous.sample(6, random);
    const c = categorical.sample(6, random);
    expect(Array.from(z.dataSync())).toEqual(Array.from(a.z.dataSync()));
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.c.dataSync()));
    tf.dispose([a.z, a.c, a.input, b.z, b.c, b.input, z, c]);
  });

  it("the 'centered' label encoding is (c·d − 1)/√(d − 1)", () => {
    // d = 4, c = [0, 1, 0, 0]: [−1, 3, −1, −1]/√3 = [−0.577350, 1.732051, −0.577350, −0.577350].
    const z = tf.tensor2d([[7]]);
    const c = oneHotLabels([1], 4);
    const input = generatorInput(z, c, { labelEncoding: 'centered' });
    const values = Array.from(input.dataSync());
    [7, -0.57735, 1.732051, -0.57735, -0.57735].forEach((expected, k) => expect(values[k]).toBeCloseTo(expected, 5));
    tf.dispose([z, c, input]);
  });

  it('oneHotLabels draws chosen classes', () => {
    const labels = oneHotLabels([2, 0, 2], 3);
    expect(labels.arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    labels.dispose();
  });
});

describe('joint prior: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names the argument, the expected and the actual value', () => {
    const z = tf.zeros([4, 2]);
    const c = tf.zeros([3, 5]);
    expect(invalidArgumentMessage(() => generatorInput(z, c))).toBe('generatorInput: c must be of shape [4, *] (one row per row of z), got shape [3, 5].');
    expect(invalidArgumentMessage(() => generatorInput(z, tf.zeros([4, 5]), { labelEncoding: 'binary' as 'one-hot' }))).toBe(
      `generatorInput: options.labelEncoding must be 'one-hot' or 'centered', got "binary".`,
    );
    expect(invalidArgumentMessage(() => oneHotLabels([0, 3], 3))).toBe('oneHotLabels: indices[1] must be an integer in [0, 2], got 3.');
    expect(invalidArgumentMessage(() => sampleGeneratorInput(normalPrior(2), categoricalPrior({ categories: 2 }), 0, createRandom(1)))).toBe(
      'sampleGeneratorInput: batch must be an integer >= 1, got 0.',
    );
    tf.dispose([z, c]);
  });
});

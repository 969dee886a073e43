import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { argmaxOneHot, caganDiscriminatorLoss, caganGeneratorLoss, conditionalLogits, logisticLoss, recentredArgmaxOneHot } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend, valueOf } from '@gantry/backend/testing';

describe.each(TESTED_BACKENDS)('CAGAN losses on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('conditionalLogits is a·c row by row, for one-hot and soft labels', () => {
    const a = tf.tensor2d([
      [1, 2, 3],
      [-1, 0, 1],
    ]);
    const c = tf.tensor2d([
      [0, 0, 1], // 3
      [0.25, 0.75, 0], // 0.25·(-1) + 0.75·0 = -0.25
    ]);
    const logits = conditionalLogits({ adversarial: a, labels: c });
    expect(logits.shape).toEqual([2]);
    expect(Array.from(logits.dataSync())).toEqual([3, -0.25]);
    tf.dispose([a, c, logits]);
  });

  it('caganDiscriminatorLoss (Eq. 4) and caganGeneratorLoss (Eq. 5) match hand arithmetic', () => {
    // Real: a_r = [[1, 2, 3], [-1, 0, 1]], c_r = [[0, 0, 1], [1, 0, 0]] -> a_r·c_r = [3, -1].
    // Fake: a_f = [[0.5, 0, 0]], c_f = [[1, 0, 0]] -> a_f·c_f = [0.5].
    // Logistic f_d = mean(softplus(-[3, -1])) + softplus(0.5)
    //              = (ln(1 + e^-3) + ln(1 + e^1))/2 + ln(1 + e^0.5) = (0.048587 + 1.313262)/2 + 0.974077 = 1.655001
    // f_g = softplus(-0.5) = 0.474077; hinge f_d = (relu(1 - 3) + relu(1 + 1))/2 + relu(1.5) = 1 + 1.5
    const realAdversarial = tf.tensor2d([
      [1, 2, 3],
      [-1, 0, 1],
    ]);
    const realLabels = tf.tensor2d([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    const fakeAdversarial = tf.tensor2d([[0.5, 0, 0]]);
    const fakeLabels = tf.tensor2d([[1, 0, 0]]);
    expect(valueOf(caganDiscriminatorLoss({ realAdversarial, realLabels, fakeAdversarial, fakeLabels }))).toBeCloseTo(1.655001, 5);
    expect(valueOf(caganDiscriminatorLoss({ realAdversarial, realLabels, fakeAdversarial, fakeLabels }, { adversarial: 'hinge' }))).toBeCloseTo(2.5, 6);
    expect(valueOf(caganDiscriminatorLoss({ realAdversarial, realLabels, fakeAdversarial, fakeLabels }, { adversarial: logisticLoss }))).toBeCloseTo(1.655001, 5);
    expect(valueOf(caganGeneratorLoss({ fakeAdversarial, fakeLabels }))).toBeCloseTo(0.474077, 5);
    tf.dispose([realAdversarial, realLabels, fakeAdversarial, fakeLabels]);
  });

  it('gradients with respect to the adversarial vectors match central finite differences', () => {
    const random = createRandom(9);
    const realAdversarial = tf.variable(random.normal([4, 3]), true, `ra-${backend}`);
    const fakeAdversarial = tf.variable(random.normal([5, 3]), true, `fa-${backend}`);
    const realLabels = tf.cast(tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3), 'float32');
    const fakeLabels = tf.tensor2d([0.2, 0.3, 0.5, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0], [5, 3]);
    const d = checkGradients(() => caganDiscriminatorLoss({ realAdversarial, realLabels, fakeAdversarial, fakeLabels }), [realAdversarial, fakeAdversarial]);
    const g = checkGradients(() => caganGeneratorLoss({ fakeAdversarial, fakeLabels }), [fakeAdversarial]);
    expect(d.ok, JSON.stringify(d.entries)).toBe(true);
    expect(g.ok, JSON.stringify(g.entries)).toBe(true);
    tf.dispose([realAdversarial, fakeAdversarial, realLabels, fakeLabels]);
  });

  it('argmaxOneHot marks each row’s largest entry (the first of ties) and passes no gradient', () => {
    // The paper's example: argmax onehot([0.2, 0.5, 0.3]) = [0, 1, 0].
    const q = tf.tensor2d([
      [0.2, 0.5, 0.3],
      [0.5, 0.5, 0],
      [-3, -1, -2],
    ]);
    const labels = argmaxOneHot(q);
    expect(labels.dtype).toBe('float32');
    expect(labels.arraySync()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(argmaxOneHot(input), tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]))))(q);
    expect(Array.from(gradient.dataSync())).toEqual(new Array(9).fill(0));
    const single = tf.tensor2d([[0.3], [2]]);
    const ones = argmaxOneHot(single);
    expect(ones.arraySync()).toEqual([[1], [1]]);
    tf.dispose([q, labels, gradient, single, ones]);
  });

  it('recentredArgmaxOneHot subtracts strength × the batch mean before the argmax', () => {
    // Column means [0.6833, 0.3167]. Strength 1: [−0.083, 0.083], [−0.133, 0.133], [0.217, −0.217]
    // → 1, 1, 0. Strength 0.5: [0.258, 0.242], [0.208, 0.292], [0.558, −0.058] → 0, 1, 0. Strength 0: 0, 0, 0.
    const q = tf.tensor2d([
      [0.6, 0.4],
      [0.55, 0.45],
      [0.9, 0.1],
    ]);
    const winners = (strength?: number): number[] => tf.tidy(() => (recentredArgmaxOneHot(q, strength).arraySync() as number[][]).map((row) => row.indexOf(1)));
    expect(winners()).toEqual([1, 1, 0]);
    expect(winners(1)).toEqual([1, 1, 0]);
    expect(winners(0.5)).toEqual([0, 1, 0]);
    expect(winners(0)).toEqual([0, 0, 0]);
    expect(invalidArgumentMessage(() => recentredArgmaxOneHot(q, 1.5))).toBe('recentredArgmaxOneHot: strength must be a finite number in [0, 1], got 1.5.');
    q.dispose();
  });
});

describe('CAGAN losses: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names the argument, the expected and the actual shape or value', () => {
    const a8 = tf.zeros([32, 8]);
    const c4 = tf.zeros([32, 4]);
    const c8 = tf.cast(tf.oneHot(tf.zeros([32], 'int32'), 8), 'float32');
    const a8small = tf.zeros([16, 8]);
    const a4 = tf.zeros([16, 4]);
    const nan = tf.fill([16, 8], Number.NaN);
    const ints = tf.zeros([32, 8], 'int32');
    expect(invalidArgumentMessage(() => conditionalLogits({ adversarial: a8, labels: c4 }))).toBe(
      'conditionalLogits: labels must be of shape [32, 8] (matching adversarial), got shape [32, 4].',
    );
    expect(invalidArgumentMessage(() => caganDiscriminatorLoss({ realAdversarial: a8, realLabels: c4, fakeAdversarial: a8, fakeLabels: c8 }))).toBe(
      'caganDiscriminatorLoss: realLabels must be of shape [32, 8] (matching realAdversarial), got shape [32, 4].',
    );
    expect(invalidArgumentMessage(() => caganDiscriminatorLoss({ realAdversarial: a8, realLabels: c8, fakeAdversarial: a4, fakeLabels: c8 }))).toBe(
      'caganDiscriminatorLoss: fakeAdversarial must be of shape [*, 8] (the width of realAdversarial), got shape [16, 4].',
    );
    expect(invalidArgumentMessage(() => caganGeneratorLoss({ fakeAdversarial: a8small, fakeLabels: c8 }))).toBe(
      'caganGeneratorLoss: fakeLabels must be of shape [16, 8] (matching fakeAdversarial), got shape [32, 8].',
    );
    expect(invalidArgumentMessage(() => caganGeneratorLoss({ fakeAdversarial: nan, fakeLabels: a8small }))).toBe(
      'caganGeneratorLoss: fakeAdversarial must be finite, got NaN at index [0, 0] (128 non-finite of 128).',
    );
    expect(invalidArgumentMessage(() => caganGeneratorLoss({ fakeAdversarial: a8, fakeLabels: ints }))).toBe(
      'caganGeneratorLoss: fakeLabels must be a float32 tensor, got dtype int32.',
    );
    expect(invalidArgumentMessage(() => caganGeneratorLoss({ fakeAdversarial: a8, fakeLabels: c8 }, { adversarial: 'hnge' as 'hinge' }))).toMatch(
      /^caganGeneratorLoss: options.adversarial must be one of 'logistic', .*, got 'hnge'\.$/,
    );
    expect(invalidArgumentMessage(() => argmaxOneHot(tf.zeros([3])))).toBe('argmaxOneHot: q must be of rank 2, got shape [3] (rank 1).');
    tf.dispose([a8, c4, c8, a8small, a4, nan, ints]);
  });
});

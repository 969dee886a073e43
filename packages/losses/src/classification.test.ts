import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { acganClassifierLoss, classificationLoss } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend, valueOf } from '@gantry/backend/testing';

describe.each(TESTED_BACKENDS)('classification losses on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  // Row 1: logits [1, 2, 3], label [0, 0, 1]: -log softmax_3 = -(3 - ln(e + e² + e³)) = ln 30.192875 - 3 = 0.407606.
  // Row 2: logits [0, 0, 0], soft label [0.5, 0.5, 0]: -(0.5 ln ⅓ + 0.5 ln ⅓) = ln 3 = 1.098612.
  // Mean: (0.407606 + 1.098612)/2 = 0.753109.
  const logitsRows = [
    [1, 2, 3],
    [0, 0, 0],
  ];
  const labelRows = [
    [0, 0, 1],
    [0.5, 0.5, 0],
  ];

  it('classificationLoss (Eq. 1) is the mean cross-entropy, for one-hot and soft labels', () => {
    const logits = tf.tensor2d(logitsRows);
    const labels = tf.tensor2d(labelRows);
    expect(valueOf(classificationLoss({ labels, logits }))).toBeCloseTo(0.753109, 5);
    // Large logits stay finite (logSoftmax, not log(softmax)): label on a logit 200 below the top costs 200.
    const extreme = tf.tensor2d([[200, 0]]);
    const wrong = tf.tensor2d([[0, 1]]);
    expect(valueOf(classificationLoss({ labels: wrong, logits: extreme }))).toBeCloseTo(200, 3);
    tf.dispose([logits, labels, extreme, wrong]);
  });

  it('acganClassifierLoss is the real cross-entropy plus the fake one', () => {
    // Fake: logits [2, 0, 0], label [1, 0, 0]: ln(e² + 2) - 2 = ln 9.389056 - 2 = 0.239545; total 0.753109 + 0.239545.
    const realLogits = tf.tensor2d(logitsRows);
    const realLabels = tf.tensor2d(labelRows);
    const fakeLogits = tf.tensor2d([[2, 0, 0]]);
    const fakeLabels = tf.tensor2d([[1, 0, 0]]);
    expect(valueOf(acganClassifierLoss({ realLabels, realLogits, fakeLabels, fakeLogits }))).toBeCloseTo(0.992654, 5);
    tf.dispose([realLogits, realLabels, fakeLogits, fakeLabels]);
  });

  it('gradients with respect to the logits match central finite differences', () => {
    const random = createRandom(4);
    const logits = tf.variable(random.normal([4, 5]), true, `logits-${backend}`);
    const fakeLogits = tf.variable(random.normal([3, 5]), true, `fake-logits-${backend}`);
    const labels = tf.softmax(random.normal([4, 5]));
    const fakeLabels = tf.cast(tf.oneHot(tf.tensor1d([4, 0, 2], 'int32'), 5), 'float32');
    const single = checkGradients(() => classificationLoss({ labels, logits }), [logits]);
    const acgan = checkGradients(() => acganClassifierLoss({ realLabels: labels, realLogits: logits, fakeLabels, fakeLogits }), [logits, fakeLogits]);
    expect(single.ok, JSON.stringify(single.entries)).toBe(true);
    expect(acgan.ok, JSON.stringify(acgan.entries)).toBe(true);
    tf.dispose([logits, fakeLogits, labels, fakeLabels]);
  });
});

describe('classification losses: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rejects labels that are not probability rows, and mismatched shapes', () => {
    const logits = tf.zeros([2, 3]);
    const notNormalised = tf.tensor2d([
      [0, 0, 1],
      [0.5, 0.4, 0],
    ]);
    const negative = tf.tensor2d([
      [1.5, -0.5, 0],
      [0, 0, 1],
    ]);
    const wide = tf.zeros([2, 4]);
    expect(invalidArgumentMessage(() => classificationLoss({ labels: notNormalised, logits }))).toMatch(
      /^classificationLoss: labels must be probabilities summing to 1 \(tolerance 0.00001\), got a sum of 0\.9\d* in row 1\.$/,
    );
    expect(invalidArgumentMessage(() => classificationLoss({ labels: negative, logits }))).toBe(
      'classificationLoss: labels must be probabilities (finite, >= 0, rows summing to 1), got -0.5 at position 1 in row 0.',
    );
    expect(invalidArgumentMessage(() => acganClassifierLoss({ realLabels: notNormalised, realLogits: logits, fakeLabels: wide, fakeLogits: logits }))).toBe(
      'acganClassifierLoss: realLabels must be probabilities summing to 1 (tolerance 0.00001), got a sum of 0.9000000059604645 in row 1.',
    );
    const labels = tf.tensor2d([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(invalidArgumentMessage(() => acganClassifierLoss({ realLabels: labels, realLogits: logits, fakeLabels: wide, fakeLogits: logits }))).toBe(
      'acganClassifierLoss: fakeLabels must be of shape [2, 3] (matching fakeLogits), got shape [2, 4].',
    );
    tf.dispose([logits, notNormalised, negative, wide, labels]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { setValueChecks } from '@gantry/backend';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { weighted } from './index.js';
import { invalidArgumentMessage, useBackend, valueOf } from '@gantry/backend/testing';

describe('weighted', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  afterEach(() => setValueChecks(true));

  it('sums weight × term by name; a zero weight drops the term, even a NaN one', () => {
    const terms = { adversarial: tf.scalar(2), cls: tf.scalar(3), creg: tf.scalar(Number.NaN), r1: tf.scalar(0.5) };
    // 1·2 + 1·3 + 0·(left out) + 1·0.5 = 5.5
    expect(valueOf(weighted(terms, { adversarial: 1, cls: 1, creg: 0, r1: 1 }))).toBe(5.5);
    // The ablation λ_cls = 0.25: 2 + 0.75 + 0.5
    expect(valueOf(weighted(terms, { adversarial: 1, cls: 0.25, creg: 0, r1: 1 }))).toBe(3.25);
    tf.dispose(Object.values(terms));
  });

  it('is differentiable through each term', () => {
    const x = tf.variable(tf.scalar(3), true, 'weighted-x');
    // d/dx (2·x² + 0.5·x) = 4x + 0.5 = 12.5
    const { grads, value } = tf.variableGrads(() => weighted({ square: tf.square(x), linear: x as tf.Scalar }, { square: 2, linear: 0.5 }), [x]);
    expect(valueOf(value)).toBe(19.5);
    expect(valueOf(grads[x.name] as tf.Tensor)).toBe(12.5);
    x.dispose();
  });

  it('fails loudly on a misspelt name, a missing weight, a bad weight or a non-finite term', () => {
    const terms = { adversarial: tf.scalar(1), creg: tf.scalar(Number.POSITIVE_INFINITY) };
    expect(invalidArgumentMessage(() => weighted(terms, { adversarial: 1, crge: 1, creg: 1 }))).toBe(
      'weighted: weights.crge must be the weight of a term (terms are adversarial, creg), got a weight with no term.',
    );
    expect(invalidArgumentMessage(() => weighted(terms, { adversarial: 1 }))).toBe("weighted: weights.creg must be a weight for term 'creg', got none.");
    expect(invalidArgumentMessage(() => weighted(terms, { adversarial: Number.NaN, creg: 0 }))).toBe('weighted: weights.adversarial must be a finite number, got NaN.');
    expect(invalidArgumentMessage(() => weighted(terms, { adversarial: 1, creg: 10 }))).toBe('weighted: terms.creg must be finite, got Infinity.');
    expect(invalidArgumentMessage(() => weighted({ vector: tf.zeros([2]) as tf.Scalar }, { vector: 1 }))).toBe('weighted: terms.vector must be a scalar, got shape [2].');
    expect(invalidArgumentMessage(() => weighted({}, {}))).toBe('weighted: terms must be at least one named term, got {}.');
    setValueChecks(false);
    expect(valueOf(weighted(terms, { adversarial: 1, creg: 10 }))).toBe(Number.POSITIVE_INFINITY);
    tf.dispose(Object.values(terms));
  });
});

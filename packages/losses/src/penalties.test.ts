import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { argmaxOneHot, classifierGradientPenalty, conditionalLogits, fakeClassifierGradientPenalty, r1Penalty, r2Penalty, sharedRealPenalties, wganGradientPenalty } from './index.js';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend, valueOf } from '@gantry/backend/testing';

describe.each(TESTED_BACKENDS)('gradient penalties on %s: values', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('R1 and R2 are E||∇x D(x)||², with no ½', () => {
    // D(x) = Σ_j x_j², so ∇x D = 2x and ||2x||² = 4||x||²:
    // x = [[1, 2], [0, 1]] -> 4·5 = 20 and 4·1 = 4, mean 12.
    const x = tf.tensor2d([
      [1, 2],
      [0, 1],
    ]);
    const squareSum = (input: tf.Tensor): tf.Tensor => tf.sum(tf.square(input), -1);
    expect(valueOf(r1Penalty({ discriminator: squareSum, real: x }))).toBeCloseTo(12, 5);
    expect(valueOf(r2Penalty({ discriminator: squareSum, fake: x }))).toBeCloseTo(12, 5);
    // A linear D(x) = x·w, w = [3, -4], returned as [batch, 1]: ||w||² = 25 everywhere.
    const w = tf.tensor2d([[3], [-4]]);
    expect(valueOf(r1Penalty({ discriminator: (input) => tf.matMul(input, w), real: x }))).toBeCloseTo(25, 5);
    // Image-shaped input: the norm sums over every non-batch axis. D(x) = Σ x², x all 0.5
    // of shape [2, 2, 2, 1]: ∇ = 2x = 1 on 4 entries per sample -> 4.
    const images = tf.fill([2, 2, 2, 1], 0.5);
    expect(valueOf(r1Penalty({ discriminator: (input) => tf.sum(tf.square(input), [1, 2, 3]), real: images }))).toBeCloseTo(4, 5);
    tf.dispose([x, w, images]);
  });

  it('the classifier gradient penalty (Eq. 6) penalises the slope of the winning probability', () => {
    // Logits [x₁, 0]: Q(x) = [σ(x₁), 1 − σ(x₁)].
    // x₁ = ln 3: Q = [0.75, 0.25], the label is class 0, y = σ(x₁), ∂y/∂x₁ = σ(1 − σ) = 0.1875, ∂y/∂x₂ = 0.
    // x₁ = −ln 3: Q = [0.25, 0.75], the label is class 1, y = 1 − σ(x₁), ∂y/∂x₁ = −0.1875.
    // Both samples: 0.1875² = 0.03515625.
    const x = tf.tensor2d([
      [Math.log(3), 5],
      [-Math.log(3), -2],
    ]);
    const pick = tf.tensor2d([
      [1, 0],
      [0, 0],
    ]);
    const classifier = (input: tf.Tensor): tf.Tensor => tf.matMul(input, pick);
    expect(valueOf(classifierGradientPenalty({ classifier, real: x }))).toBeCloseTo(0.03515625, 6);
    // Given labels give the same value when they are the virtual labels ...
    const virtual = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    expect(valueOf(classifierGradientPenalty({ classifier, real: x, labels: virtual }))).toBeCloseTo(0.03515625, 6);
    // ... and the penalty of the other class's probability otherwise (same slope, opposite sign).
    const flipped = tf.tensor2d([
      [0, 1],
      [1, 0],
    ]);
    expect(valueOf(classifierGradientPenalty({ classifier, real: x, labels: flipped }))).toBeCloseTo(0.03515625, 6);
    tf.dispose([x, pick, virtual, flipped]);
  });

  it('with three classes, the classifier penalties differentiate the given label’s probability, not the argmax', () => {
    // Logits x·W, W = [w₀ w₁ w₂] (2 × 3): ∂q_k/∂x = q_k (w_k − Σ_j q_j w_j), computed here in float64.
    const W = [
      [1, -2, 0.5],
      [0.5, 1, -1.5],
    ];
    const rows = [
      [0.8, -0.3],
      [-0.6, 0.9],
      [0.2, 0.4],
    ];
    const softmax = (row: number[]): number[] => {
      const logits = [0, 1, 2].map((k) => (row[0] as number) * (W[0]?.[k] as number) + (row[1] as number) * (W[1]?.[k] as number));
      const top = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - top));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    };
    const slope = (row: number[], k: number): number[] => {
      const q = softmax(row);
      return [0, 1].map((axis) => (q[k] as number) * ((W[axis]?.[k] as number) - q.reduce((sum, qj, j) => sum + qj * (W[axis]?.[j] as number), 0)));
    };
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const eq6 = (labels: number[]): number => mean(rows.map((row, i) => slope(row, labels[i] as number).reduce((sum, g) => sum + g * g, 0)));
    const onFake = (labels: number[]): number =>
      mean(rows.map((row, i) => slope(row, labels[i] as number).reduce((sum, g) => sum + (2 * (1 - (softmax(row)[labels[i] as number] as number)) * g) ** 2, 0)));
    const argmax = rows.map((row) => softmax(row).reduce((best, q, k, all) => (q > (all[best] as number) ? k : best), 0));
    const other = argmax.map((k) => (k + 1) % 3);
    // The two label sets must give different values, or this test could not tell them apart.
    expect(Math.abs(eq6(other) - eq6(argmax))).toBeGreaterThan(0.05 * eq6(argmax));
    const x = tf.tensor2d(rows);
    const w = tf.tensor2d(W);
    const classifier = (input: tf.Tensor): tf.Tensor => tf.matMul(input, w);
    const oneHot = (labels: number[]): tf.Tensor2D => tf.tensor2d(labels.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))));
    const [virtual, given] = [oneHot(argmax), oneHot(other)];
    expect(valueOf(classifierGradientPenalty({ classifier, real: x }))).toBeCloseTo(eq6(argmax), 6);
    expect(valueOf(classifierGradientPenalty({ classifier, real: x, labels: given }))).toBeCloseTo(eq6(other), 6);
    expect(valueOf(fakeClassifierGradientPenalty({ classifier, fake: x, labels: virtual }))).toBeCloseTo(onFake(argmax), 6);
    expect(valueOf(fakeClassifierGradientPenalty({ classifier, fake: x, labels: given }))).toBeCloseTo(onFake(other), 6);
    tf.dispose([x, w, virtual, given]);
  });

  it('sharedRealPenalties gives R1 and Eq. 6 of the separate functions, and the same weight gradients', () => {
    // A small D* with a shared tanh trunk and two heads, so both penalties are second-order
    // through shared weights, and three classes, so a wrong head or row would show.
    const random = createRandom(21);
    const x = random.normal([5, 3]);
    const names = ['trunk', 'bias', 'adversarial', 'logits'].map((name) => `shared-${backend}-${name}`);
    const [trunk, bias, adversarialHead, logitsHead] = [random.normal([3, 6]), random.normal([6]), random.normal([6, 3]), random.normal([6, 3])].map((value, i) =>
      tf.variable(value, true, names[i]),
    ) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const network = (input: tf.Tensor): { adversarial: tf.Tensor; logits: tf.Tensor } => {
      const h = tf.tanh(tf.add(tf.matMul(input as tf.Tensor2D, trunk as tf.Tensor2D), bias));
      return { adversarial: tf.matMul(h, adversarialHead as tf.Tensor2D), logits: tf.matMul(h, logitsHead as tf.Tensor2D) };
    };
    const labels = tf.tidy(() => argmaxOneHot(network(x).logits));
    const variables = [trunk, bias, adversarialHead, logitsHead];
    const separate = (): tf.Scalar[] => [
      r1Penalty({ discriminator: (input) => conditionalLogits({ adversarial: network(input).adversarial, labels }), real: x }),
      classifierGradientPenalty({ classifier: (input) => network(input).logits, real: x, labels }),
    ];
    const shared = (): tf.Scalar[] => {
      const { r1, creg } = sharedRealPenalties({ network, real: x, labels });
      return [r1, creg];
    };
    const valuesOf = (terms: () => tf.Scalar[]): number[] => tf.tidy(() => terms().map((term) => valueOf(term)));
    const gradientsOf = (terms: () => tf.Scalar[], weights: [number, number]): number[] =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const [first, second] = terms() as [tf.Scalar, tf.Scalar];
          return tf.add(tf.mul(first, weights[0]), tf.mul(second, weights[1])) as tf.Scalar;
        }, variables);
        return names.flatMap((name) => Array.from((grads[name] as tf.Tensor).dataSync()));
      });
    const [r1, creg] = valuesOf(separate) as [number, number];
    const [sharedR1, sharedCreg] = valuesOf(shared) as [number, number];
    expect(r1).toBeGreaterThan(0.01);
    expect(creg).toBeGreaterThan(1e-4);
    expect(sharedR1).toBeCloseTo(r1, 5);
    expect(sharedCreg / creg).toBeCloseTo(1, 5);
    // Each weight separately, so that swapping the heads or the rows would show.
    for (const weights of [
      [1, 0],
      [0, 1],
      [1, 0.1],
    ] as [number, number][]) {
      const expected = gradientsOf(separate, weights);
      const actual = gradientsOf(shared, weights);
      const scale = Math.max(...expected.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      expect(Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] as number)))) / scale).toBeLessThan(1e-5);
    }
    tf.dispose([x, labels, ...variables]);
  });

  it('WGAN-GP is E(||∇D(x̂)|| − 1)² at the interpolates', () => {
    // D(x) = ½Σx², ∇D(x̂) = x̂.
    // Sample 1: real [2, 0], fake [0, 0], α = 0.25 -> x̂ = [0.5, 0], (0.5 − 1)² = 0.25.
    // Sample 2: real [0, 3], fake [0, 1], α = 0.5 -> x̂ = [0, 2], (2 − 1)² = 1. Mean 0.625.
    const real = tf.tensor2d([
      [2, 0],
      [0, 3],
    ]);
    const fake = tf.tensor2d([
      [0, 0],
      [0, 1],
    ]);
    const alpha = tf.tensor1d([0.25, 0.5]);
    const halfSquare = (input: tf.Tensor): tf.Tensor => tf.mul(0.5, tf.sum(tf.square(input), -1));
    expect(valueOf(wganGradientPenalty({ discriminator: halfSquare, real, fake, alpha }))).toBeCloseTo(0.625, 5);
    // target 2: (0.5 − 2)² = 2.25 and (2 − 2)² = 0, mean 1.125.
    expect(valueOf(wganGradientPenalty({ discriminator: halfSquare, real, fake, alpha }, { target: 2 }))).toBeCloseTo(1.125, 5);
    // A flat D: ∇D = 0, the norm is sqrt(1e-12), and the penalty's gradient in w is exactly 0
    // (∂norm/∂∇D = ∇D/norm = 0), not merely finite.
    const flat = (input: tf.Tensor): tf.Tensor => tf.mul(tf.sum(input, -1), 0);
    const w = tf.variable(tf.scalar(1), true, `flat-${backend}`);
    const { grads, value } = tf.variableGrads(() => wganGradientPenalty({ discriminator: (input) => tf.mul(flat(input), w), real, fake, alpha }), [w]);
    expect(valueOf(value)).toBeCloseTo(1, 5);
    expect(Math.abs(valueOf(grads[w.name] as tf.Tensor))).toBe(0);
    tf.dispose([real, fake, alpha, w]);
  });
});

describe('gradient penalties: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names the argument, the expected and the actual value', () => {
    const x = tf.zeros([4, 2]);
    const nan = tf.tensor2d([0, 1, Number.NaN, 2], [2, 2]);
    const linear = (input: tf.Tensor): tf.Tensor => tf.sum(input, -1);
    expect(invalidArgumentMessage(() => r1Penalty({ discriminator: (input) => tf.concat([input, input], 1), real: x }))).toBe(
      'r1Penalty: the output of discriminator must be of shape [4] or [4, 1] (one value per sample), got shape [4, 4].',
    );
    expect(invalidArgumentMessage(() => r1Penalty({ discriminator: linear, real: tf.zeros([4]) }))).toBe(
      'r1Penalty: real must be a batch of shape [batch, ...] with batch >= 1, got shape [4].',
    );
    expect(invalidArgumentMessage(() => r2Penalty({ discriminator: linear, fake: nan }))).toBe('r2Penalty: fake must be finite, got NaN at index [1, 0] (1 non-finite of 4).');
    expect(invalidArgumentMessage(() => r1Penalty({ discriminator: 'D' as never, real: x }))).toBe('r1Penalty: discriminator must be a function of x, got string.');
    expect(invalidArgumentMessage(() => classifierGradientPenalty({ classifier: (input) => tf.sum(input, -1), real: x }))).toBe(
      'classifierGradientPenalty: the output of classifier must be of rank 2, got shape [4] (rank 1).',
    );
    expect(invalidArgumentMessage(() => classifierGradientPenalty({ classifier: (input) => input, real: x, labels: tf.zeros([4, 3]) }))).toBe(
      'classifierGradientPenalty: labels must be of shape [4, 2] (matching the output of classifier), got shape [4, 3].',
    );
    expect(invalidArgumentMessage(() => sharedRealPenalties({ network: (input) => ({ adversarial: input, logits: input }), real: x, labels: tf.zeros([3, 2]) }))).toBe(
      'sharedRealPenalties: labels must be [4, d_c] (one row per sample of real), got shape [3, 2].',
    );
    expect(invalidArgumentMessage(() => sharedRealPenalties({ network: (input) => ({ adversarial: input, logits: tf.sum(input, -1) }), real: x, labels: tf.zeros([4, 2]) }))).toBe(
      'sharedRealPenalties: the logits output of network must be of shape [8, 2] (matching labels, stacked twice), got shape [8].',
    );
    expect(invalidArgumentMessage(() => wganGradientPenalty({ discriminator: linear, real: x, fake: tf.zeros([3, 2]), alpha: tf.zeros([4]) }))).toBe(
      'wganGradientPenalty: fake must be of shape [4, 2] (matching real), got shape [3, 2].',
    );
    expect(invalidArgumentMessage(() => wganGradientPenalty({ discriminator: linear, real: x, fake: x, alpha: tf.zeros([4, 1]) }))).toBe(
      'wganGradientPenalty: alpha must be of shape [4] (one weight per sample of real), got shape [4, 1].',
    );
    expect(invalidArgumentMessage(() => wganGradientPenalty({ discriminator: linear, real: x, fake: x, alpha: tf.tensor1d([0, 0.5, 1, 1.5]) }))).toBe(
      'wganGradientPenalty: alpha must be in [0, 1], got values from 0 to 1.5.',
    );
    expect(invalidArgumentMessage(() => wganGradientPenalty({ discriminator: linear, real: x, fake: x, alpha: tf.zeros([4]) }, { target: -1 }))).toBe(
      'wganGradientPenalty: options.target must be a finite number >= 0, got -1.',
    );
    tf.dispose([x, nan]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, enableHigherOrderGradients, selectBackend } from './index.node.js';

/** x ↦ slope·x, with `claimed` as its gradient, right or wrong: a gradient whose error the test chooses. */
function linearClaiming(slope: number, claimed: number): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad(((x: tf.Tensor) => ({ value: tf.mul(x, slope), gradFunc: (dy: tf.Tensor) => tf.mul(dy, claimed) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x) => op(x) as tf.Tensor;
}

describe('checkGradients', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    // The jump tests differentiate through a comparison.
    enableHigherOrderGradients();
  });

  it('passes a correct gradient and restores the variables', () => {
    const w = tf.variable(tf.tensor1d([0.3, -1.2, 2.0]), true, 'fd/correct');
    // f(w) = Σ w³ + sin(w): f'(w) = 3w² + cos(w), e.g. 3·0.09 + cos(0.3) = 0.27 + 0.955336 = 1.225336.
    const f = (): tf.Scalar => tf.sum(tf.add(tf.pow(w, 3), tf.sin(w))) as tf.Scalar;
    const result = checkGradients(f, [w], { entriesPerVariable: 3 });
    expect(result.ok).toBe(true);
    expect(result.entries[0]?.analytic).toBeCloseTo(1.225336, 5);
    expect(result.entries[0]?.numeric).toBeCloseTo(1.225336, 4);
    expect(Array.from(w.dataSync())).toEqual(Array.from(new Float32Array([0.3, -1.2, 2.0])));
    w.dispose();
  });

  it('fails a gradient that is wrong by 1%', () => {
    const w = tf.variable(tf.tensor1d([0.5, 1.5]), true, 'fd/wrong');
    const slightlyWrongSquare = tf.customGrad(((x: tf.Tensor) => ({
      value: tf.square(x),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.mul(x, 2.02)),
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    const result = checkGradients(() => tf.sum(slightlyWrongSquare(w) as tf.Tensor) as tf.Scalar, [w]);
    expect(result.ok).toBe(false);
    expect(result.worstErrorRatio).toBeGreaterThan(2);
    w.dispose();
  });

  it('flags entries where f jumps within the step, and keeps them out of the verdict', () => {
    // f(w) = Σ w² + 0.5·[w > 0.3]: smooth everywhere but at 0.3, where it jumps by 0.5.
    const w = tf.variable(tf.tensor1d([0.301, 1.0, 2.0, -1.0]), true, 'fd/jump');
    const f = (): tf.Scalar => tf.sum(tf.add(tf.square(w), tf.mul(tf.cast(tf.greater(w, 0.3), 'float32'), 0.5))) as tf.Scalar;
    const result = checkGradients(f, [w], { entriesPerVariable: 4 });
    expect(result.entries.map((entry) => entry.nonSmooth)).toEqual([true, false, false, false]);
    expect(result.nonSmoothEntries).toBe(1);
    expect(result.worstErrorRatio).toBeLessThanOrEqual(1);
    expect(result.ok).toBe(true);
    w.dispose();
  });

  it('fails when more than a quarter of the entries are not smooth', () => {
    const w = tf.variable(tf.tensor1d([0.301, 0.302, 2.0, -1.0]), true, 'fd/jumps');
    const f = (): tf.Scalar => tf.sum(tf.add(tf.square(w), tf.mul(tf.cast(tf.greater(w, 0.3), 'float32'), 0.5))) as tf.Scalar;
    const result = checkGradients(f, [w], { entriesPerVariable: 4 });
    expect(result.nonSmoothEntries).toBe(2);
    expect(result.ok).toBe(false);
    w.dispose();
  });

  it('reports variables that get no gradient', () => {
    const used = tf.variable(tf.scalar(1), true, 'fd/used');
    const unused = tf.variable(tf.scalar(2), true, 'fd/unused');
    const result = checkGradients(() => tf.square(used) as tf.Scalar, [used, unused]);
    expect(result.missingGradients).toEqual(['fd/unused']);
    expect(result.ok).toBe(false);
    tf.dispose([used, unused]);
  });

  it('checks entries spread evenly over each variable, at most as many as it has, and returns f', () => {
    const w = tf.variable(tf.linspace(-1, 1, 10), true, 'fd/spread');
    const b = tf.variable(tf.tensor1d([0.5, 2]), true, 'fd/small');
    const f = (): tf.Scalar => tf.add(tf.sum(tf.square(w)), tf.sum(tf.mul(b, 3))) as tf.Scalar;
    const result = checkGradients(f, [w, b], { entriesPerVariable: 3 });
    // Entry k of n at ⌊(k + ½)·size / n⌋: 1, 5 and 8 of 10; both entries of the 2-element variable.
    expect(result.entries.map((entry) => `${entry.variable}[${entry.index}]`)).toEqual(['fd/spread[1]', 'fd/spread[5]', 'fd/spread[8]', 'fd/small[0]', 'fd/small[1]']);
    const values = w.dataSync();
    expect(result.entries.slice(0, 3).map((entry) => entry.analytic)).toEqual([1, 5, 8].map((index) => Math.fround(2 * (values[index] as number))));
    expect(result.entries.slice(3).map((entry) => entry.analytic)).toEqual([3, 3]);
    // Σ w² over −1, −7/9, …, 7/9, 1 is 2·(81 + 49 + 25 + 9 + 1)/81 = 330/81; Σ 3b = 7.5.
    expect(result.value).toBeCloseTo(330 / 81 + 7.5, 5);
    expect(result.worstErrorRatio).toBe(Math.max(...result.entries.map((entry) => entry.errorRatio)));
    expect(result.ok).toBe(true);
    // Six entries by default.
    expect(checkGradients(f, [w]).entries.map((entry) => entry.index)).toEqual([0, 2, 4, 5, 7, 9]);
    tf.dispose([w, b]);
  });

  it('passes a gradient 0.15 % off and fails one 0.25 % off: the default relative tolerance is 2e-3', () => {
    const w = tf.variable(tf.tensor1d([0.25, -0.5]), true, 'fd/tolerance');
    const scaledBy = (factor: number) => linearClaiming(1, factor);
    // f(w) = Σ w: f = −0.25, so the absolute tolerance is 2e-4 (|f| < 1); error ratios 1.5e-3 / (2e-4 + 2e-3·1.0015) and 2.5e-3 / (2e-4 + 2e-3·1.0025).
    const close = checkGradients(() => tf.sum(scaledBy(1.0015)(w)) as tf.Scalar, [w]);
    expect(close.worstErrorRatio).toBeCloseTo(1.5e-3 / (2e-4 + 2e-3 * 1.0015), 1);
    expect(close.ok).toBe(true);
    const far = checkGradients(() => tf.sum(scaledBy(1.0025)(w)) as tf.Scalar, [w]);
    expect(far.worstErrorRatio).toBeCloseTo(2.5e-3 / (2e-4 + 2e-3 * 1.0025), 1);
    expect(far.ok).toBe(false);
    // A looser relative tolerance passes it.
    expect(checkGradients(() => tf.sum(scaledBy(1.0025)(w)) as tf.Scalar, [w], { relativeTolerance: 3e-3 }).ok).toBe(true);
    w.dispose();
  });

  it('scales the absolute tolerance with |f| above 1, and takes it from the options', () => {
    // f(w) = 1000 + 0·Σw with a gradient of 1e-3 claimed where the true one is 0.
    const w = tf.variable(tf.tensor1d([0.5]), true, 'fd/absolute');
    const claimed = linearClaiming(0, 1e-3);
    const f = (offset: number) => (): tf.Scalar => tf.add(tf.sum(claimed(w)), offset) as tf.Scalar;
    // |f| = 0.5: the absolute tolerance is 2e-4, and 1e-3 / (2e-4 + 2e-3·1e-3) ≈ 4.95 fails.
    const small = checkGradients(f(0.5), [w]);
    expect(small.worstErrorRatio).toBeCloseTo(1e-3 / (2e-4 + 2e-6), 1);
    expect(small.ok).toBe(false);
    // |f| = 1000: the absolute tolerance is 0.2, and the same error passes.
    const large = checkGradients(f(1000), [w]);
    expect(large.value).toBe(1000);
    expect(large.worstErrorRatio).toBeCloseTo(1e-3 / (0.2 + 2e-6), 4);
    expect(large.ok).toBe(true);
    expect(checkGradients(f(0.5), [w], { absoluteTolerance: 1e-2 }).ok).toBe(true);
    w.dispose();
  });

  it('computes each error ratio as documented: |a − n| / (absolute + relative·max(|a|, |n|))', () => {
    // f(w) = Σ 100·w (|f| < 1) with a gradient claimed 1.5 times the true 100: 50 / (2e-4 + 2e-3·150).
    const w = tf.variable(tf.tensor1d([0.001, -0.002]), true, 'fd/formula');
    const claimed = linearClaiming(100, 150);
    const result = checkGradients(() => tf.sum(claimed(w)) as tf.Scalar, [w]);
    for (const entry of result.entries) {
      expect(entry.analytic).toBe(150);
      expect(entry.numeric).toBeCloseTo(100, 3);
      expect(entry.errorRatio).toBeCloseTo(Math.abs(150 - entry.numeric) / (2e-4 + 2e-3 * 150), 6);
    }
    w.dispose();
  });

  it('passes an error ratio of exactly 1, and calls a step disagreement of exactly 1 smooth', () => {
    // Steps that are powers of 2 and f = w or w⁵ at w = 0 make every difference exact.
    const h = 2 ** -6;
    const w = tf.variable(tf.tensor1d([0]), true, 'fd/boundary');
    // f = w with a gradient claimed 1.5: |1.5 − 1| = 0.5 = the absolute tolerance, relative 0.
    const claimed = linearClaiming(1, 1.5);
    const linear = checkGradients(() => tf.sum(claimed(w)) as tf.Scalar, [w], { epsilon: h, relativeTolerance: 0, absoluteTolerance: 0.5 });
    expect([linear.entries[0]?.numeric, linear.worstErrorRatio, linear.ok]).toEqual([1, 1, true]);
    // f = w⁵: central differences h⁴, h⁴/16, h⁴/256, so coarse = −h⁴/4, numeric = −h⁴/64, 15h⁴/64 apart.
    const quintic = checkGradients(() => tf.sum(tf.pow(w, 5)) as tf.Scalar, [w], { epsilon: h, relativeTolerance: 0, absoluteTolerance: (15 * h ** 4) / 64 });
    expect(quintic.entries[0]?.numeric).toBe(-(h ** 4) / 64);
    expect(quintic.entries[0]?.nonSmooth).toBe(false);
    w.dispose();
  });

  it('passes with exactly a quarter of the entries not smooth', () => {
    // One kink among four entries: exactly a quarter.
    const w = tf.variable(tf.tensor1d([0.301, 1.0, 2.0, -1.0]), true, 'fd/quarter');
    const f = (): tf.Scalar => tf.sum(tf.add(tf.square(w), tf.mul(tf.cast(tf.greater(w, 0.3), 'float32'), 0.5))) as tf.Scalar;
    const result = checkGradients(f, [w], { entriesPerVariable: 4 });
    expect([result.nonSmoothEntries, result.entries.length, result.ok]).toEqual([1, 4, true]);
    w.dispose();
  });

  it('uses the step it is given: a kink 0.03 away is outside ±h for h = 1e-2 and inside for h = 4e-2', () => {
    const w = tf.variable(tf.tensor1d([0.33]), true, 'fd/step');
    const f = (): tf.Scalar => tf.sum(tf.add(tf.square(w), tf.mul(tf.cast(tf.greater(w, 0.3), 'float32'), 0.5))) as tf.Scalar;
    expect(checkGradients(f, [w]).entries[0]?.nonSmooth).toBe(false);
    expect(checkGradients(f, [w], { epsilon: 4e-2 }).entries[0]?.nonSmooth).toBe(true);
    w.dispose();
  });

  it('restores the variables when f throws during the differences', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'fd/throws');
    let calls = 0;
    const f = (): tf.Scalar => {
      calls += 1;
      // The first evaluation and the gradient pass; a perturbed evaluation throws.
      if (calls > 2) throw new Error('f failed');
      return tf.sum(tf.square(w)) as tf.Scalar;
    };
    const before = tf.memory().numTensors;
    expect(() => checkGradients(f, [w])).toThrow('f failed');
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('leaves no tensor behind', () => {
    const w = tf.variable(tf.tensor1d([0.3, -1.2, 2.0]), true, 'fd/leaks');
    const f = (): tf.Scalar => tf.sum(tf.mul(tf.square(w), w)) as tf.Scalar;
    checkGradients(f, [w]);
    const before = tf.memory().numTensors;
    checkGradients(f, [w]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('rejects bad arguments, naming them', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'fd/bad');
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { epsilon: 0 })).toThrow(/options.epsilon must be a positive number, got 0/);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { epsilon: Number.POSITIVE_INFINITY })).toThrow(/options.epsilon must be a positive number, got Infinity/);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { epsilon: Number.NaN })).toThrow(/got NaN/);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { entriesPerVariable: 0 })).toThrow(/options.entriesPerVariable must be a positive integer, got 0/);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { entriesPerVariable: 1.5 })).toThrow(/got 1.5/);
    expect(checkGradients(() => tf.sum(w) as tf.Scalar, [w], { entriesPerVariable: 1 }).entries.map((entry) => entry.index)).toEqual([1]);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [])).toThrow(/variables must not be empty/);
    expect(() => checkGradients(() => w as unknown as tf.Scalar, [w])).toThrow(/f must return a scalar, got shape \[2\]/);
    expect(() => checkGradients(() => tf.ones([2, 3]) as unknown as tf.Scalar, [w])).toThrow('checkGradients: f must return a scalar, got shape [2, 3].');
    w.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, enableHigherOrderGradients, selectBackend } from './index.node.js';

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

  it('rejects bad arguments, naming them', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'fd/bad');
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { epsilon: 0 })).toThrow(/options.epsilon must be a positive number, got 0/);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [w], { entriesPerVariable: 0 })).toThrow(/entriesPerVariable/);
    expect(() => checkGradients(() => tf.sum(w) as tf.Scalar, [])).toThrow(/variables must not be empty/);
    expect(() => checkGradients(() => w as unknown as tf.Scalar, [w])).toThrow(/f must return a scalar, got shape \[2\]/);
    w.dispose();
  });
});

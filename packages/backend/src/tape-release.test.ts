import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableHigherOrderGradients, enableHigherOrderGradients, variableGradsFreeingTape } from './index.js';
import { TESTED_BACKENDS, useBackend } from './testing.js';

describe.each(TESTED_BACKENDS)('variableGradsFreeingTape (%s)', (backend) => {
  let v: tf.Variable;
  beforeAll(async () => {
    await useBackend(backend);
    v = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `tape-release-${backend}`);
  });
  afterAll(() => {
    v.dispose();
  });

  // Kernels that save tensors for their gradients (Exp its output, Mul both inputs, Square its input), then a throw.
  const failing = (): tf.Scalar => {
    const y = tf.sum(tf.mul(tf.exp(v), tf.square(v))) as tf.Scalar;
    throw new Error(`not finite: ${y.rank}`);
  };

  it('frees what the tape saved when the function throws (tf.variableGrads leaves it), and rethrows', () => {
    const before = tf.memory().numTensors;
    expect(() => tf.variableGrads(failing, [v])).toThrow('not finite: 0');
    const leaked = tf.memory().numTensors - before;
    expect(leaked).toBeGreaterThan(0);
    // The next computation starts a new tape: tf.variableGrads's leak stays leaked.
    const next = tf.variableGrads(() => tf.sum(tf.square(v)) as tf.Scalar, [v]);
    tf.dispose([next.value, ...Object.values(next.grads)]);
    expect(tf.memory().numTensors - before).toBe(leaked);

    const start = tf.memory().numTensors;
    expect(() => variableGradsFreeingTape(failing, [v])).toThrow('not finite: 0');
    expect(tf.memory().numTensors).toBe(start);
    // The engine is left as a finished gradient computation leaves it: no tape kept alive.
    expect((tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape).toBeNull();
  });

  it("passes on TF.js's own refusals, made before any tape exists, unchanged", () => {
    const frozen = tf.variable(tf.scalar(1), false, `tape-release-frozen-${backend}`);
    expect((tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape).toBeNull();
    expect(() => variableGradsFreeingTape(() => tf.square(frozen) as tf.Scalar, [frozen])).toThrow(/variableGrads\(\) expects at least one of the input variables to be trainable/);
    frozen.dispose();
  });

  it('computes what tf.variableGrads does when nothing throws, and leaves an outer computation its tape', () => {
    const { value, grads } = variableGradsFreeingTape(() => tf.sum(tf.mul(tf.exp(v), v)) as tf.Scalar, [v]);
    // d/dv Σ v·eᵛ = (1 + v)·eᵛ.
    const expected = [0.5, -1, 2].map((x) => (1 + x) * Math.exp(x));
    Array.from((grads[v.name] as tf.Tensor).dataSync()).forEach((g, i) => expect(g).toBeCloseTo(expected[i] as number, 4));
    tf.dispose([value, ...Object.values(grads)]);

    // An inner failure caught inside an outer gradient computation: the outer one still differentiates.
    enableHigherOrderGradients();
    try {
      const start = tf.memory().numTensors;
      const outer = tf.variableGrads(() => {
        expect(() => variableGradsFreeingTape(failing, [v])).toThrow('not finite: 0');
        return tf.sum(tf.square(v)) as tf.Scalar;
      }, [v]);
      expect(Array.from((outer.grads[v.name] as tf.Tensor).dataSync())).toEqual([1, -2, 4]);
      tf.dispose([outer.value, ...Object.values(outer.grads)]);
      expect(tf.memory().numTensors).toBe(start);
    } finally {
      disableHigherOrderGradients();
    }
  });
});

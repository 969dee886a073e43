import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from './index.js';

describe('adam', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('follows tf.train.adam step for step (β1 = 0.5, β2 = 0.99), to float32 rounding', () => {
    const random = createRandom(1);
    const start = random.normal([3, 4]);
    const ours = tf.variable(start.clone(), true, 'adam-ours');
    const theirs = tf.variable(start.clone(), true, 'adam-theirs');
    const target = random.normal([3, 4]);
    const optimizer = adam({ learningRate: 0.01, beta1: 0.5, beta2: 0.99 });
    let state = optimizer.init([ours]);
    const reference = tf.train.adam(0.01, 0.5, 0.99, 1e-7);
    for (let step = 0; step < 20; step++) {
      const loss = (v: tf.Variable) => (): tf.Scalar => tf.sum(tf.square(tf.sub(tf.sin(v), target))) as tf.Scalar;
      const { grads } = tf.variableGrads(loss(ours), [ours]);
      state = optimizer.apply(state, [ours], grads);
      tf.dispose(grads);
      reference.minimize(loss(theirs), false, [theirs]);
    }
    expect(state.step).toBe(20);
    const difference = tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0] as number;
    expect(difference).toBeLessThan(1e-5);
    // One step by hand with β1 = 0 (the paper's): m = g, v = 0.01·g², θ −= lr·√(1 − 0.99)/(1 − 0)·g/(√(0.01 g²) + ε√0.01) ≈ lr·sign(g).
    const x = tf.variable(tf.tensor1d([1, -2]), true, 'adam-hand');
    const paper = adam();
    const paperState = paper.apply(paper.init([x]), [x], { [x.name]: tf.tensor1d([0.5, -3]) });
    expect(Array.from(x.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.999, -1.999]);
    expect(paperState.step).toBe(1);
    tf.dispose([start, ours, theirs, target, x, ...paperState.firstMoments, ...paperState.secondMoments, ...state.firstMoments, ...state.secondMoments]);
    reference.dispose();
  });

  it('rejects bad options, naming them', () => {
    expect(invalidArgumentMessage(() => adam({ learningRate: 0 }))).toBe('adam: options.learningRate must be a finite number > 0, got 0.');
    expect(invalidArgumentMessage(() => adam({ beta2: 1 }))).toBe('adam: options.beta2 must be a number in [0, 1), got 1.');
  });
});

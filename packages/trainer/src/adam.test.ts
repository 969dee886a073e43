import * as tf from '@tensorflow/tfjs-core';
import { AdamUpdate, createRandom } from '@gantry/backend';
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

  it('with β1 = 0 keeps the gradient itself as the first moment (−0 too), and with no gradients runs no kernel', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const x = tf.variable(tf.tensor1d([1, -2]), true, `adam-first-moment-${backend}`);
      const optimizer = adam();
      const initial = optimizer.init([x]);
      const gradient = tf.tensor1d([-0, 1.5]);
      const state = optimizer.apply(initial, [x], { [x.name]: gradient });
      const firstMoment = Array.from((state.firstMoments[0] as tf.Variable).dataSync());
      expect(Object.is(firstMoment[0], -0)).toBe(true);
      expect(firstMoment[1]).toBe(1.5);
      // Nothing to update: no kernel runs (not even the fused one with no variables), the
      // variable stays, and only Adam's step count moves.
      const values = Array.from(x.dataSync());
      let after = state;
      const profile = await tf.profile(() => {
        after = optimizer.apply(state, [x], {});
      });
      expect(profile.kernels.map((kernel) => kernel.name)).toEqual([]);
      expect(after.step).toBe(2);
      expect(Array.from(x.dataSync())).toEqual(values);
      tf.dispose([x, gradient, ...state.firstMoments, ...state.secondMoments]);
    }
    await useBackend('cpu');
  });

  it('keeps its moments in untrained variables named after each variable, and applies ε as textbook Adam does (ε = 0.5 makes it visible)', () => {
    const x = tf.variable(tf.tensor1d([1, -2]), true, 'adam-named');
    const optimizer = adam({ learningRate: 0.1, beta2: 0.99, epsilon: 0.5 });
    const initial = optimizer.init([x]);
    expect([...initial.firstMoments, ...initial.secondMoments].map((moment) => [moment.name, moment.trainable])).toEqual([
      ['adam-named/adam_m', false],
      ['adam-named/adam_v', false],
    ]);
    // One step with β1 = 0 and g = (1, 1): m̂ = g, v̂ = g², so θ −= 0.1 · 1 / (1 + 0.5).
    const state = optimizer.apply(initial, [x], { [x.name]: tf.tensor1d([1, 1]) });
    Array.from(x.dataSync()).forEach((value, i) => expect(value).toBeCloseTo([1, -2][i]! - 0.1 / 1.5, 6));
    tf.dispose([x, ...state.firstMoments, ...state.secondMoments]);
  });

  it('rejects bad options, naming them', () => {
    expect(invalidArgumentMessage(() => adam({ learningRate: 0 }))).toBe('adam: options.learningRate must be a finite number > 0, got 0.');
    expect(invalidArgumentMessage(() => adam({ beta2: 1 }))).toBe('adam: options.beta2 must be a number in [0, 1), got 1.');
  });

  it('on wasm runs one fused kernel per step with the bits of the TF.js ops (cpu), and leaves a variable without a gradient alone', async () => {
    // Three variables (a bias-sized tail of 5, a 7 × 9 matrix, one no term reaches), 4 steps.
    const run = async (beta1: number): Promise<{ values: number[][]; kernels: string[] }> => {
      const random = createRandom(7);
      const variables = tf.tidy(() => [random.normal([5]), random.normal([7, 9]), random.normal([3])].map((tensor, index) => tf.variable(tensor, true, `adam-${beta1}-${index}`)));
      const untouched = Array.from((variables[2] as tf.Variable).dataSync());
      const optimizer = adam({ learningRate: 0.01, beta1, beta2: 0.99 });
      let state = optimizer.init(variables);
      const kernels: string[] = [];
      for (let step = 0; step < 4; step++) {
        const gradients = tf.tidy(() => ({ [(variables[0] as tf.Variable).name]: random.normal([5]), [(variables[1] as tf.Variable).name]: tf.mul(random.normal([7, 9]), 1e-3) }));
        const profile = await tf.profile(() => {
          state = optimizer.apply(state, variables, gradients);
        });
        kernels.push(...profile.kernels.map((kernel) => kernel.name));
        tf.dispose(Object.values(gradients));
      }
      expect(Array.from((variables[2] as tf.Variable).dataSync())).toEqual(untouched);
      const values = [...variables, ...state.firstMoments, ...state.secondMoments].map((tensor) => Array.from(tensor.dataSync()));
      tf.dispose([...variables, ...state.firstMoments, ...state.secondMoments]);
      return { values, kernels };
    };
    for (const beta1 of [0, 0.5]) {
      await useBackend('cpu');
      const reference = await run(beta1);
      expect(reference.kernels).not.toContain(AdamUpdate);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const fused = await run(beta1);
      expect(tf.memory().numTensors).toBe(before);
      expect(fused.values).toEqual(reference.values);
      // The step's scalars are made by the engine; the update itself is one kernel per step.
      expect(fused.kernels.filter((name) => name === AdamUpdate)).toHaveLength(4);
      expect(fused.kernels.filter((name) => !['GantryAdamUpdate', 'Identity', 'Cast', 'Reshape'].includes(name))).toEqual([]);
    }
    await useBackend('cpu');
  });
});

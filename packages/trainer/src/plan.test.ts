import * as tf from '@tensorflow/tfjs-core';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordPlan } from './index.js';

describe('recordPlan on cpu', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  // Matrix products, an activation, a list input (Concat), a multi-output kernel (Split), a
  // constant made inside, an output that is an input and one kernel output returned twice.
  const fn =
    (w: tf.Variable) =>
    ([x, y]: readonly tf.Tensor[]): tf.Tensor[] => {
      const hidden = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, w), tf.scalar(0.5)));
      const [left, right] = tf.split(tf.concat([hidden, y as tf.Tensor2D], 1), 2, 1);
      const product = tf.mul(left as tf.Tensor, right as tf.Tensor);
      return [tf.sum(product, 1), y as tf.Tensor, product, product];
    };

  it('replays the recorded kernels on new inputs and the variables’ new values, bit for bit', () => {
    const w = tf.variable(tf.tensor2d([0.3, -0.2, 0.1, 0.7, -0.5, 0.4], [2, 3]));
    const x1 = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y1 = tf.tensor2d([1, 1, 1, -1, 2, 0.5], [2, 3]);
    const { outputs, plan, refused } = recordPlan(fn(w), [x1, y1], [w]);
    expect(refused).toBeNull();
    expect(plan?.kernels).toBeGreaterThan(5);
    tf.dispose(outputs);

    w.assign(tf.tensor2d([-0.1, 0.9, 0.2, 0.3, 0.8, -0.6], [2, 3]));
    const x2 = tf.tensor2d([-1, 0.5, 2, -3], [2, 2]);
    const y2 = tf.tensor2d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const before = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    const eager = tf.tidy(() => fn(w)([x2, y2]).map((tensor) => tf.keep(tensor.clone())));
    const replayed = (plan as NonNullable<typeof plan>).run([x2, y2]);
    expect(replayed.map((tensor) => tensor.shape)).toEqual(eager.map((tensor) => tensor.shape));
    replayed.forEach((tensor, index) => expect(Array.from(tensor.dataSync())).toEqual(Array.from((eager[index] as tf.Tensor).dataSync())));
    // The replay owns nothing after it returns: freeing its outputs frees all it made.
    tf.dispose([...eager, ...replayed]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    // The input handed back as an output is still the caller's.
    expect(Array.from(y2.dataSync())).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map(Math.fround));

    // dispose frees the constants the plan copied (the 0.5).
    const held = tf.backend().numDataIds();
    plan?.dispose();
    expect(tf.backend().numDataIds()).toBe(held - 1);
    tf.dispose([w, x1, y1, x2, y2]);
  });

  it('frees a value once when its last reader reads it twice', () => {
    // tf.mul(e, e): one kernel, the same intermediate as both inputs, and its last use.
    const twice = ([x]: readonly tf.Tensor[]): tf.Tensor[] => {
      const e = tf.exp(x as tf.Tensor);
      return [tf.sum(tf.mul(e, e))];
    };
    const x1 = tf.tensor1d([0.5, -1, 2]);
    const { outputs, plan } = recordPlan(twice, [x1], []);
    tf.dispose(outputs);
    const x2 = tf.tensor1d([1, 0.25, -0.5]);
    const eager = tf.tidy(() => twice([x2])[0] as tf.Tensor);
    const before = tf.backend().numDataIds();
    const [replayed] = (plan as NonNullable<typeof plan>).run([x2]);
    expect(Array.from((replayed as tf.Tensor).dataSync())).toEqual(Array.from(eager.dataSync()));
    tf.dispose([replayed, eager]);
    expect(tf.backend().numDataIds()).toBe(before - 1);
    plan?.dispose();
    tf.dispose([x1, x2]);
  });

  it('records no kernel for a reshape, which shares its input’s data, and replays the readers with their shapes', () => {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2, 0.25, 3, -0.75]));
    // Reshapes of an input, of a variable and of a kernel's output, and one returned.
    const reshaping = ([x]: readonly tf.Tensor[]): tf.Tensor[] => {
      const grid = tf.reshape(x as tf.Tensor, [2, 3]);
      const weights = tf.reshape(w, [3, 2]);
      const product = tf.matMul(grid as tf.Tensor2D, weights as tf.Tensor2D);
      const flat = tf.reshape(product, [4]);
      return [tf.mul(flat, tf.reshape(tf.exp(product), [4])), tf.reshape(flat, [2, 2])];
    };
    const x1 = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const { outputs, plan, refused } = recordPlan(reshaping, [x1], [w]);
    expect(refused).toBeNull();
    // MatMul, Exp, Multiply: the five reshapes are not replayed.
    expect(plan?.kernels).toBe(3);
    tf.dispose(outputs);
    w.assign(tf.tensor1d([1, 0.5, -2, 4, 0.125, -1]));
    const x2 = tf.tensor1d([-1, 0.5, 2, -3, 1.5, 0.25]);
    const before = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    const eager = tf.tidy(() => reshaping([x2]).map((tensor) => tf.keep(tensor.clone())));
    const replayed = (plan as NonNullable<typeof plan>).run([x2]);
    expect(replayed.map((tensor) => tensor.shape)).toEqual([[4], [2, 2]]);
    replayed.forEach((tensor, index) => expect(Array.from(tensor.dataSync())).toEqual(Array.from((eager[index] as tf.Tensor).dataSync())));
    tf.dispose([...eager, ...replayed]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    plan?.dispose();
    tf.dispose([w, x1, x2]);
  });

  it('refuses a function that reads values while it runs, and says why', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const { outputs, plan, refused } = recordPlan(([input]) => [(input as tf.Tensor).dataSync()[0] as number > 0 ? tf.relu(input as tf.Tensor) : tf.neg(input as tf.Tensor)], [x], []);
    expect(plan).toBeNull();
    expect(refused).toBe('the function reads tensor values while it runs (turn value checks off with setValueChecks(false))');
    expect(Array.from((outputs[0] as tf.Tensor).dataSync())).toEqual([1, 0, 3]);
    tf.dispose([x, ...outputs]);
  });

  it('run names the recorded shapes when given others', () => {
    const x = tf.tensor1d([1, 2]);
    const { outputs, plan } = recordPlan(([input]) => [tf.square(input as tf.Tensor)], [x], []);
    const wrong = tf.tensor1d([1, 2, 3]);
    expect(invalidArgumentMessage(() => plan?.run([wrong]))).toBe('KernelPlan.run: inputs must be the recorded shapes and dtypes [float32 [2]], got [float32 [3]].');
    tf.dispose([x, wrong, ...outputs]);
    plan?.dispose();
  });

  it('run refuses another backend than the one it was recorded on', async () => {
    const x = tf.tensor1d([1, 2]);
    const { outputs, plan } = recordPlan(([input]) => [tf.square(input as tf.Tensor)], [x], []);
    tf.dispose([x, ...outputs]);
    await useBackend('wasm');
    const y = tf.tensor1d([1, 2]);
    expect(invalidArgumentMessage(() => plan?.run([y]))).toBe('KernelPlan.run: the active backend must be the backend the plan was recorded on (cpu), got wasm.');
    y.dispose();
    await useBackend('cpu');
    plan?.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPlan } from './index.js';

// Kernels that run other kernels through the engine (as Gantry's wasm convolution gradients
// and leaky ReLU do), kernels with an absent input, inputs a plan cannot copy, outputs no
// kernel made, and the checks of a replay's inputs.

const COMPOSITE = 'GantryTestDoubleThenSquare';

describe('recordPlan: composite kernels and the edges of a recording (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    // 2x, then squared: two kernels run through the engine inside one.
    tf.registerKernel({
      kernelName: COMPOSITE,
      backendName: 'cpu',
      kernelFunc: ({ inputs }) => {
        const doubled = tf.engine().runKernel('Add', { a: inputs.x as tf.Tensor, b: inputs.x as tf.Tensor }) as tf.Tensor;
        const squared = tf.engine().runKernel('Square', { x: doubled }) as tf.Tensor;
        doubled.dispose();
        return squared;
      },
    });
  });
  afterAll(() => {
    tf.unregisterKernel(COMPOSITE, 'cpu');
  });

  const composite = ([x]: readonly tf.Tensor[]): tf.Tensor[] => [tf.neg(tf.engine().runKernel(COMPOSITE, { x: x as tf.Tensor }) as tf.Tensor)];

  it('records a kernel that runs others as one kernel, and replays it on new inputs without leaking', () => {
    const x1 = tf.tensor1d([1, -2, 3]);
    const { outputs, plan, refused } = recordPlan(composite, [x1], []);
    expect(refused).toBeNull();
    expect(plan?.kernels).toBe(2);
    expect(Array.from((outputs[0] as tf.Tensor).dataSync())).toEqual([-4, -16, -36]);
    tf.dispose(outputs);
    const x2 = tf.tensor1d([0.5, 1, -1]);
    const before = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    for (let run = 0; run < 3; run++) {
      const replayed = (plan as NonNullable<typeof plan>).run([x2]);
      expect(Array.from((replayed[0] as tf.Tensor).dataSync())).toEqual([-1, -4, -4]);
      tf.dispose(replayed);
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.backend().numDataIds()).toBe(dataIds);
    }
    plan?.dispose();
    tf.dispose([x1, x2]);
  });

  it('replays a kernel with an absent optional input (a fused product without bias)', () => {
    const fused = ([a, b]: readonly tf.Tensor[]): tf.Tensor[] => [tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, activation: 'relu' })];
    const a = tf.tensor2d([1, -2, 3, 4], [2, 2]);
    const b = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    const { outputs, plan } = recordPlan(fused, [a, b], []);
    tf.dispose(outputs);
    const a2 = tf.tensor2d([-1, 2, 5, -6], [2, 2]);
    const replayed = (plan as NonNullable<typeof plan>).run([a2, b]);
    expect(Array.from((replayed[0] as tf.Tensor).dataSync())).toEqual([0, 2, 5, 0]);
    tf.dispose([...replayed, a, b, a2]);
    plan?.dispose();
  });

  it('refuses a kernel input it cannot copy (complex64), and an output no kernel made, each with its reason', () => {
    const complex = tf.complex([1, 2], [3, 4]);
    const x = tf.tensor1d([1, 1]);
    const readsComplex = recordPlan(([input]) => [tf.add(tf.real(complex), input as tf.Tensor)], [x], []);
    expect(readsComplex.plan).toBeNull();
    expect(readsComplex.refused).toBe('a kernel reads a complex64 tensor, which a plan cannot copy');
    tf.dispose(readsComplex.outputs);
    const outside = tf.tensor1d([7]);
    const fromNowhere = recordPlan(([input]) => [tf.neg(input as tf.Tensor), outside], [x], []);
    expect(fromNowhere.plan).toBeNull();
    expect(fromNowhere.refused).toBe('an output was made by no kernel from the inputs, the variables or the constants');
    tf.dispose([fromNowhere.outputs[0] as tf.Tensor, complex, x, outside]);
  });

  it('a read after a copied constant still refuses the plan', () => {
    const constant = tf.tensor1d([2, 2]);
    const x = tf.tensor1d([1, 3]);
    const recording = recordPlan(([input]) => {
      const scaled = tf.mul(input as tf.Tensor, constant);
      scaled.dataSync();
      return [scaled];
    }, [x], []);
    expect(recording.plan).toBeNull();
    expect(recording.refused).toBe('the function reads tensor values while it runs (turn value checks off with setValueChecks(false))');
    tf.dispose([...recording.outputs, constant, x]);
  });

  it('run names inputs of another count or dtype', () => {
    const x = tf.tensor1d([1, 2]);
    const { outputs, plan } = recordPlan(([input]) => [tf.neg(input as tf.Tensor)], [x], []);
    tf.dispose(outputs);
    const run = (inputs: tf.Tensor[]): string => invalidArgumentMessage(() => (plan as NonNullable<typeof plan>).run(inputs));
    expect(run([x, x])).toBe('KernelPlan.run: inputs must be the recorded shapes and dtypes [float32 [2]], got [float32 [2], float32 [2]].');
    expect(run([tf.tensor1d([1, 2], 'int32')])).toBe('KernelPlan.run: inputs must be the recorded shapes and dtypes [float32 [2]], got [int32 [2]].');
    expect(run([tf.zeros([1, 2])])).toBe('KernelPlan.run: inputs must be the recorded shapes and dtypes [float32 [2]], got [float32 [1,2]].');
    plan?.dispose();
    x.dispose();
  });
});

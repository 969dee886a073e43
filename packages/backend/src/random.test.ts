import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { categoricalThresholds, createRandom, selectBackend } from './index.node.js';

/** A small regression trained with SGD, all randomness from one seed; returns the final weights' bits. */
async function trainTinyModel(seed: number, backend: 'cpu' | 'wasm'): Promise<Uint32Array> {
  await selectBackend(backend);
  const random = createRandom(seed);
  const w1 = tf.variable(random.normal([3, 16], 0, 0.5));
  const w2 = tf.variable(random.normal([16, 1], 0, 0.5));
  const optimizer = tf.train.sgd(0.05);
  for (let step = 0; step < 20; step++) {
    tf.tidy(() => {
      const x = random.normal([8, 3]);
      const y = tf.sum(tf.sin(x), 1, true);
      optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(tf.tanh(tf.matMul(x, w1)), w2), y))) as tf.Scalar);
    });
  }
  const bits = new Uint32Array(new Float32Array([...w1.dataSync(), ...w2.dataSync()]).buffer);
  tf.dispose([w1, w2]);
  optimizer.dispose();
  return bits;
}

describe('createRandom', () => {
  it('makes a training run reproducible bit for bit on cpu', async () => {
    const first = await trainTinyModel(42, 'cpu');
    const second = await trainTinyModel(42, 'cpu');
    const other = await trainTinyModel(43, 'cpu');
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(Array.from(other)).not.toEqual(Array.from(first));
  });

  it('makes a training run reproducible bit for bit on wasm, run to run', async () => {
    const first = await trainTinyModel(42, 'wasm');
    const second = await trainTinyModel(42, 'wasm');
    expect(Array.from(second)).toEqual(Array.from(first));
  });

  it('draws the same values on every backend', async () => {
    await selectBackend('cpu');
    const onCpu = createRandom(9).normal([64]).dataSync();
    await selectBackend('wasm');
    const onWasm = createRandom(9).normal([64]).dataSync();
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });

  it('resumes the same stream from its state', async () => {
    await selectBackend('cpu');
    const random = createRandom(7);
    random.normal([5]).dispose();
    const saved = random.state;
    expect(saved).toEqual({ seed: 7, counter: 1 });
    const next = Array.from(random.uniform([5]).dataSync());
    const resumed = Array.from(createRandom(saved).uniform([5]).dataSync());
    expect(resumed).toEqual(next);
    expect(JSON.parse(JSON.stringify(saved))).toEqual(saved);
  });

  it('gives different streams different values, and uniform values in range', async () => {
    await selectBackend('cpu');
    const a = createRandom(1).normal([100]).dataSync();
    const b = createRandom(2).normal([100]).dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const u = Array.from(createRandom(3).uniform([1000], -2, 3).dataSync());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    const mean = u.reduce((sum, value) => sum + value, 0) / u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.15);
  });

  it('rejects bad seeds, shapes and parameters, naming them', () => {
    expect(() => createRandom(-1)).toThrow(/seed must be an integer in \[0, 2\^32 - 1\], got -1/);
    expect(() => createRandom(1.5)).toThrow(/got 1.5/);
    expect(() => createRandom({ seed: 1, counter: -3 })).toThrow(/state.counter must be a non-negative integer, got -3/);
    const random = createRandom(0);
    expect(() => random.normal([2, -1])).toThrow(/Random.normal: shape must be an array of non-negative integers, got \[2,-1\]/);
    expect(() => random.normal([2], 0, Number.NaN)).toThrow(/std NaN/);
    expect(() => random.uniform([2], 1, 1)).toThrow(/min 1, max 1/);
  });
});

describe('categoricalThresholds', () => {
  it('gives float32 cumulative sums, with categories after the last non-zero one unreachable', () => {
    // [0, 0.1, 0.4, 0, 0.2, 0.3, 0]: sums 0, 0.1, 0.5, 0.5, 0.7, then 2 from index 5 (the last non-zero).
    expect(Array.from(categoricalThresholds([0, 0.1, 0.4, 0, 0.2, 0.3, 0]))).toEqual([0, 0.1, 0.5, 0.5, 0.7, 2].map(Math.fround));
    expect(Array.from(categoricalThresholds([1]))).toEqual([]);
  });
});

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

  it('derives each draw\'s seed as documented: fmix32(fmix32(seed ^ φ) + (counter + 1)·φ) mod 2³²', () => {
    // murmur3's 32-bit finaliser in BigInt arithmetic, apart from the Math.imul code it checks.
    const mask = 0xffffffffn;
    const phi = 0x9e3779b9n;
    const fmix32 = (value: bigint): bigint => {
      let z = value & mask;
      z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & mask;
      z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & mask;
      return z ^ (z >> 16n);
    };
    const reference = (seed: number, counter: number): number => Number(fmix32(fmix32(BigInt(seed) ^ phi) + ((BigInt(counter) + 1n) * phi & mask)));
    for (const seed of [0, 1, 7, 0x9e3779b9, 0xffffffff]) {
      const random = createRandom(seed);
      expect([random.nextSeed(), random.nextSeed(), random.nextSeed()]).toEqual([0, 1, 2].map((counter) => reference(seed, counter)));
      expect(random.state).toEqual({ seed, counter: 3 });
    }
    expect(createRandom({ seed: 1, counter: 1000 }).nextSeed()).toBe(reference(1, 1000));
    // The values every recorded result's seeds start from (computed apart, in Python).
    const zero = createRandom(0);
    expect([zero.nextSeed(), zero.nextSeed(), zero.nextSeed()]).toEqual([3553795876, 2060969114, 3789282531]);
  });

  it('hands each draw its own derived seed, one per draw', async () => {
    await selectBackend('cpu');
    const random = createRandom(5);
    const draws = [random.normal([4]), random.uniform([4], -1, 1), random.normal([4], 2, 3)];
    const replay = createRandom(5);
    const expected = [
      tf.randomNormal([4], 0, 1, 'float32', replay.nextSeed()),
      tf.randomUniform([4], -1, 1, 'float32', replay.nextSeed()),
      tf.randomNormal([4], 2, 3, 'float32', replay.nextSeed()),
    ];
    draws.forEach((draw, k) => expect(Array.from(draw.dataSync())).toEqual(Array.from((expected[k] as tf.Tensor).dataSync())));
    expect(random.state.counter).toBe(3);
    expect(draws.map((draw) => draw.dtype)).toEqual(['float32', 'float32', 'float32']);
    tf.dispose([...draws, ...expected]);
  });

  it('takes N(0, 1) and U[0, 1) by default, and a zero standard deviation', async () => {
    await selectBackend('cpu');
    const byDefault = createRandom(11);
    const explicit = createRandom(11);
    const a = [byDefault.normal([6]), byDefault.uniform([6])];
    const b = [explicit.normal([6], 0, 1), explicit.uniform([6], 0, 1)];
    expect(a.map((t) => Array.from(t.dataSync()))).toEqual(b.map((t) => Array.from(t.dataSync())));
    const constant = createRandom(1).normal([3], 5, 0);
    expect(Array.from(constant.dataSync())).toEqual([5, 5, 5]);
    const empty = createRandom(1).uniform([2, 0]);
    expect(empty.shape).toEqual([2, 0]);
    tf.dispose([...a, ...b, constant, empty]);
  });

  it('accepts the whole 32-bit seed range and nothing outside it, and a whole counter only', () => {
    expect(createRandom(0xffffffff).state).toEqual({ seed: 0xffffffff, counter: 0 });
    expect(() => createRandom(2 ** 32)).toThrow(/got 4294967296/);
    expect(() => createRandom({ seed: -1, counter: 0 })).toThrow(/seed must be an integer in \[0, 2\^32 - 1\], got -1/);
    expect(() => createRandom({ seed: 1, counter: 0.5 })).toThrow(/state.counter must be a non-negative integer, got 0.5/);
    expect(createRandom({ seed: 1, counter: 0 }).state).toEqual({ seed: 1, counter: 0 });
    const random = createRandom(0);
    expect(() => random.uniform('2' as unknown as number[])).toThrow(/Random.uniform: shape must be an array of non-negative integers, got "2"/);
    expect(() => random.uniform([1.5])).toThrow(/Random.uniform: shape must be/);
    expect(() => random.normal([2], Number.POSITIVE_INFINITY, 1)).toThrow(/got mean Infinity, std 1/);
    expect(() => random.normal([2], 0, -1)).toThrow(/std -1/);
    expect(() => random.uniform([2], Number.NEGATIVE_INFINITY, 0)).toThrow(/min -Infinity, max 0/);
    expect(() => random.uniform([2], 0, Number.NaN)).toThrow(/min 0, max NaN/);
    expect(() => random.uniform([2], 2, 1)).toThrow(/min 2, max 1/);
    // Refused draws take no seed.
    expect(random.state.counter).toBe(0);
  });
});

describe('categoricalThresholds', () => {
  it('gives float32 cumulative sums, with categories after the last non-zero one unreachable', () => {
    // [0, 0.1, 0.4, 0, 0.2, 0.3, 0]: sums 0, 0.1, 0.5, 0.5, 0.7, then 2 from index 5 (the last non-zero).
    expect(Array.from(categoricalThresholds([0, 0.1, 0.4, 0, 0.2, 0.3, 0]))).toEqual([0, 0.1, 0.5, 0.5, 0.7, 2].map(Math.fround));
    expect(Array.from(categoricalThresholds([1]))).toEqual([]);
    expect(Array.from(categoricalThresholds([]))).toEqual([]);
    // Only the first category possible: every threshold unreachable.
    expect(Array.from(categoricalThresholds([1, 0, 0]))).toEqual([2, 2]);
    expect(Array.from(categoricalThresholds([0.1, 0.2, 0.7]))).toEqual([Math.fround(0.1), Math.fround(0.1 + 0.2)]);
  });
});

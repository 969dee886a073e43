import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adamUpdatePath, adamUpdateWasm } from './adam-kernel.js';
import { AdamUpdate, createRandom, selectBackend } from './index.node.js';

const SIZES = [1, 3, 4, 5, 8, 131] as const;

interface Case {
  readonly theta: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly g: Float32Array;
}

/** Random moments and gradients, with zeros, tiny and huge gradients, infinities and a NaN among them. */
function cases(seed: number): Case[] {
  const random = createRandom(seed);
  return SIZES.map((n) => {
    const [theta, m, v, g] = tf.tidy(() => [random.normal([n]), random.normal([n]), tf.mul(random.uniform([n], 0, 1), 1e-2), random.normal([n])].map((tensor) => tensor.dataSync() as Float32Array)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const special = [0, 1e-30, 3e19, -0, Number.POSITIVE_INFINITY, Number.NaN, -7e-8];
    special.forEach((value, index) => {
      if (index < n && n > 4) g[(index * 7) % n] = value;
    });
    if (n > 4) v[1] = 0;
    // An infinite first moment: with β1 = 0 it must not reach the update (m' is g), with β1 > 0 it must.
    if (n > 4) m[2] = Number.POSITIVE_INFINITY;
    return { theta, m, v, g };
  });
}

/** The update in TF.js ops, in the order the kernel promises to follow (adamUpdates' other branch). */
function composite(c: Case, beta1: number, beta2: number, rate: number, epsilon: number): Float32Array[] {
  return tf.tidy(() => {
    const [theta, m, v, g] = [c.theta, c.m, c.v, c.g].map((values) => tf.tensor1d(values));
    const nextM = beta1 === 0 ? (g as tf.Tensor) : tf.add(tf.mul(m as tf.Tensor, beta1), tf.mul(g as tf.Tensor, 1 - beta1));
    const nextV = tf.add(tf.mul(v as tf.Tensor, beta2), tf.mul(tf.square(g as tf.Tensor), 1 - beta2));
    const next = tf.sub(theta as tf.Tensor, tf.mul(tf.div(nextM, tf.add(tf.sqrt(nextV), epsilon)), rate));
    return [next, ...(beta1 === 0 ? [] : [nextM]), nextV].map((tensor) => tensor.dataSync() as Float32Array);
  });
}

/** The fused kernel on every case at once (one call), its outputs read back. */
function fused(all: readonly Case[], beta1: number, beta2: number, rate: number, epsilon: number): Float32Array[] {
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { rate: tf.scalar(rate), epsilon: tf.scalar(epsilon) };
    all.forEach((c, k) => {
      Object.assign(inputs, { [`variable${k}`]: tf.tensor1d(c.theta), [`firstMoment${k}`]: tf.tensor1d(c.m), [`secondMoment${k}`]: tf.tensor1d(c.v), [`gradient${k}`]: tf.tensor1d(c.g) });
    });
    const outputs = tf.engine().runKernel(AdamUpdate, inputs, { beta1, beta2, count: all.length }) as tf.Tensor[];
    return outputs.map((tensor) => tensor.dataSync() as Float32Array);
  });
}

/** Bits, so that −0 against +0 and one ulp count as differences; every NaN counts as one value. */
function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values, (value) => (Number.isNaN(value) ? Number.NaN : value)).buffer));
}

describe('AdamUpdate, the fused Adam kernel on wasm', () => {
  let all: Case[];
  const settings = [
    { beta1: 0, beta2: 0.99, rate: 1.3e-3, epsilon: 7e-8 },
    { beta1: 0.9, beta2: 0.999, rate: 2e-4, epsilon: 1e-7 },
  ];
  let expected: Float32Array[][];

  beforeAll(async () => {
    await selectBackend('cpu');
    all = cases(11);
    expected = settings.map(({ beta1, beta2, rate, epsilon }) => all.flatMap((c) => composite(c, beta1, beta2, rate, epsilon)));
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('cpu');
  });

  type WasmBackend = { wasm: object; makeOutput: (...args: unknown[]) => tf.TensorInfo; typedArrayFromHeap: (info: tf.TensorInfo) => Float32Array; disposeData: (dataId: object) => void };
  const wasmBackend = (): WasmBackend => tf.backend() as unknown as WasmBackend;

  /** Calls the kernel function on `backend` (a stand-in for the wasm backend) for every setting, and compares its outputs' bits with TF.js's ops on cpu. */
  function expectReferenceBitsOn(backend: WasmBackend): void {
    const real = wasmBackend();
    settings.forEach(({ beta1, beta2, rate, epsilon }, index) => {
      const actual = tf.tidy(() => {
        const inputs: Record<string, tf.TensorInfo> = { rate: tf.scalar(rate), epsilon: tf.scalar(epsilon) };
        all.forEach((c, k) => {
          Object.assign(inputs, { [`variable${k}`]: tf.tensor1d(c.theta), [`firstMoment${k}`]: tf.tensor1d(c.m), [`secondMoment${k}`]: tf.tensor1d(c.v), [`gradient${k}`]: tf.tensor1d(c.g) });
        });
        const outputs = adamUpdateWasm({ inputs, backend, attrs: { beta1, beta2, count: all.length } });
        return outputs.map((info) => {
          const values = real.typedArrayFromHeap(info).slice();
          real.disposeData(info.dataId);
          return values;
        });
      });
      const reference = expected[index] as Float32Array[];
      expect(actual.length).toBe(reference.length);
      actual.forEach((values, k) => {
        expect(bits(values), `β1 = ${beta1}, output ${k}`).toEqual(bits(reference[k] as Float32Array));
      });
    });
  }

  it('is registered on wasm, and there it runs the SIMD module in the backend\'s own memory', () => {
    // The documented kernel name: what profiles show and what other code may look up.
    expect(AdamUpdate).toBe('GantryAdamUpdate');
    expect(tf.getKernel('GantryAdamUpdate', 'wasm')).toBeDefined();
    expect(adamUpdatePath(tf.backend())).toBe('simd');
  });

  it('builds its SIMD module for each backend object it meets: a fresh one gives the same bits', () => {
    // The module is built once per backend and kept; a new object with the same memory makes
    // this call build it again from the code as it is, not reuse one an earlier call built.
    const real = wasmBackend();
    const fresh = { wasm: real.wasm, makeOutput: real.makeOutput.bind(real), typedArrayFromHeap: real.typedArrayFromHeap.bind(real), disposeData: real.disposeData.bind(real) };
    expect(adamUpdatePath(fresh)).toBe('simd');
    expectReferenceBitsOn(fresh);
  });

  it.each(settings.map((setting, index) => [setting.beta1, index] as const))('gives the bits of TF.js\'s ops on cpu, β1 = %s, every size from 1 to 131', (_, index) => {
    const { beta1, beta2, rate, epsilon } = settings[index] as (typeof settings)[number];
    const actual = fused(all, beta1, beta2, rate, epsilon);
    const reference = expected[index] as Float32Array[];
    // θ', (m'), v' per case: 2 outputs each when β1 = 0 (m' is then the gradient itself).
    expect(actual.length).toBe(all.length * (beta1 === 0 ? 2 : 3));
    actual.forEach((values, k) => {
      expect(bits(values), `output ${k}`).toEqual(bits(reference[k] as Float32Array));
    });
  });

  it('gives the same bits without wasm SIMD (the JavaScript fallback)', () => {
    const real = wasmBackend();
    const noMemory = { wasm: {}, makeOutput: real.makeOutput.bind(real), typedArrayFromHeap: real.typedArrayFromHeap.bind(real), disposeData: real.disposeData.bind(real) };
    expect(adamUpdatePath(noMemory)).toBe('scalar');
    expectReferenceBitsOn(noMemory);
  });

  it('leaves no tensor behind once its outputs are disposed', () => {
    const before = tf.memory().numTensors;
    fused(all, 0, 0.99, 1e-3, 1e-7);
    expect(tf.memory().numTensors).toBe(before);
  });
});

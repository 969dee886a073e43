import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom, enableHigherOrderGradients, selectBackend } from './index.node.js';
import { conv2dInputGradient, transposeCosts } from './wasm-kernels.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Config {
  readonly input: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly strides: number | [number, number];
  readonly pad: Pad;
}

const CONFIGS: readonly Config[] = [
  { input: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { input: [2, 8, 8, 2], filter: [4, 4, 2, 5], strides: 2, pad: 'same' },
  { input: [3, 9, 7, 1], filter: [3, 2, 1, 2], strides: [2, 1], pad: 'valid' },
  { input: [1, 6, 6, 4], filter: [5, 5, 4, 3], strides: 1, pad: 2 },
  { input: [2, 28, 28, 1], filter: [4, 4, 1, 8], strides: 2, pad: 'same' },
  // Fewer patch entries than output channels: im2col and one product (filter), and one
  // product before wasm's own kernel (input, one channel).
  { input: [2, 28, 28, 1], filter: [4, 4, 1, 32], strides: 2, pad: 'same' },
  { input: [3, 9, 7, 1], filter: [3, 2, 1, 8], strides: [2, 1], pad: 'valid' },
  { input: [2, 10, 10, 2], filter: [2, 2, 2, 9], strides: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  // The last row and column are read by no output: the correlation is cropped to the filter.
  { input: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
];

/**
 * The gradient of Σ conv2d(x, W)·r with respect to W (Conv2DBackpropFilter) or x
 * (Conv2DBackpropInput, the transposed convolution of r), on the active backend.
 */
function convolutionGradient(config: Config, seed: number, of: 'filter' | 'input'): Float32Array {
  return tf.tidy(() => {
    const random = createRandom(seed);
    const x = random.normal(config.input) as tf.Tensor4D;
    const w = random.normal(config.filter) as tf.Tensor4D;
    const r = random.normal(tf.conv2d(x, w, config.strides, config.pad).shape);
    const objective = (input: tf.Tensor, filter: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, config.strides, config.pad), r));
    const gradient = of === 'filter' ? tf.grad((filter: tf.Tensor) => objective(x, filter))(w) : tf.grad((input: tf.Tensor) => objective(input, w))(x);
    return gradient.dataSync() as Float32Array;
  });
}

function maxRelativeDifference(actual: Float32Array, expected: Float32Array): number {
  const scale = expected.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
  return actual.reduce((worst, value, index) => Math.max(worst, Math.abs(value - (expected[index] as number)) / scale), 0);
}

async function expectWasmMatchesCpu(config: Config, seed: number, of: 'filter' | 'input'): Promise<void> {
  await selectBackend('cpu');
  const expected = convolutionGradient(config, seed, of);
  await selectBackend('wasm');
  const actual = convolutionGradient(config, seed, of);
  expect(actual.length).toBe(expected.length);
  expect(maxRelativeDifference(actual, expected)).toBeLessThan(1e-4);
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(() => enableHigherOrderGradients());

  it.each(CONFIGS.map((config) => [JSON.stringify(config), config] as const))('matches the cpu kernel to 1e-4 relative: %s', async (_label, config) => {
    await expectWasmMatchesCpu(config, 21, 'filter');
  });

  it('gives R1 through a CNN the same parameter gradients as cpu (1e-4 relative)', async () => {
    const penaltyGradient = (): Float32Array =>
      tf.tidy(() => {
        const random = createRandom(4);
        const x = random.normal([2, 8, 8, 1]) as tf.Tensor4D;
        const k1 = tf.variable(random.normal([3, 3, 1, 4], 0, 0.5), true, `k1-${tf.getBackend()}`);
        const k2 = tf.variable(random.normal([3, 3, 4, 2], 0, 0.5), true, `k2-${tf.getBackend()}`);
        const d = (input: tf.Tensor): tf.Tensor =>
          tf.sum(tf.softplus(tf.conv2d(tf.leakyRelu(tf.conv2d(input as tf.Tensor4D, k1 as tf.Tensor4D, 2, 'same'), 0.2), k2 as tf.Tensor4D, 2, 'same')));
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.grad(d)(x))) as tf.Scalar, [k1, k2]);
        const flat = tf.concat([tf.reshape(grads[k1.name] as tf.Tensor, [-1]), tf.reshape(grads[k2.name] as tf.Tensor, [-1])]).dataSync() as Float32Array;
        k1.dispose();
        k2.dispose();
        return flat;
      });
    await selectBackend('cpu');
    const expected = penaltyGradient();
    await selectBackend('wasm');
    const actual = penaltyGradient();
    expect(maxRelativeDifference(actual, expected)).toBeLessThan(1e-4);
  });

  it('rejects a dy whose shape does not fit the convolution', async () => {
    await selectBackend('wasm');
    const x = tf.zeros([1, 4, 4, 1]);
    const dy = tf.zeros([1, 3, 3, 2]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 2] };
    expect(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs)).toThrow(/dy must have shape \[1, 4, 4, 2\], got \[1, 3, 3, 2\]/);
    tf.dispose([x, dy]);
  });
});

/** More shapes for the phased form (the registered kernel takes it from 2 input channels). */
const WIDE_CONFIGS: readonly Config[] = [
  { input: [2, 14, 14, 8], filter: [4, 4, 8, 16], strides: 2, pad: 'same' },
  { input: [2, 9, 9, 8], filter: [3, 3, 8, 4], strides: 2, pad: 'valid' },
  // A stride above the filter size: one phase has no taps at all.
  { input: [1, 11, 11, 8], filter: [2, 2, 8, 3], strides: 3, pad: 'same' },
  { input: [2, 9, 7, 8], filter: [3, 2, 8, 2], strides: [2, 1], pad: 'valid' },
  { input: [1, 6, 6, 8], filter: [5, 5, 8, 3], strides: 1, pad: 2 },
  // Padding wider than the filter: dy's first and last rows reach no output of a phase.
  { input: [1, 5, 5, 8], filter: [2, 2, 8, 3], strides: 1, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
  // Sizes the stride does not divide: the last phase row is dropped.
  { input: [2, 7, 9, 8], filter: [3, 3, 8, 4], strides: 2, pad: 'same' },
];

describe('Conv2DBackpropInput on wasm (phases on XNNPACK)', () => {
  it.each([...CONFIGS, ...WIDE_CONFIGS].map((config) => [JSON.stringify(config), config] as const))('the registered kernel matches cpu to 1e-4 relative: %s', async (_label, config) => {
    await expectWasmMatchesCpu(config, 31, 'input');
  });

  it.each([...CONFIGS, ...WIDE_CONFIGS].map((config) => [JSON.stringify(config), config] as const))('conv2dInputGradient itself matches cpu to 1e-4 relative: %s', async (_label, config) => {
    const dyAndFilter = (): [tf.Tensor4D, tf.Tensor4D] => {
      const random = createRandom(32);
      const w = random.normal(config.filter) as tf.Tensor4D;
      const shape = tf.tidy(() => tf.conv2d(tf.zeros(config.input) as tf.Tensor4D, w, config.strides, config.pad).shape);
      return [random.normal(shape) as tf.Tensor4D, w];
    };
    await selectBackend('cpu');
    const [dyCpu, wCpu] = dyAndFilter();
    const expected = tf.conv2dTranspose(dyCpu, wCpu, config.input, config.strides, config.pad);
    const expectedValues = expected.dataSync() as Float32Array;
    tf.dispose([dyCpu, wCpu, expected]);
    await selectBackend('wasm');
    const [dy, w] = dyAndFilter();
    const before = tf.memory().numTensors;
    const actual = conv2dInputGradient(dy, w, config.input, config.strides, config.pad);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(actual.shape).toEqual(config.input);
    expect(maxRelativeDifference(actual.dataSync() as Float32Array, expectedValues)).toBeLessThan(1e-4);
    tf.dispose([dy, w, actual]);
  });

  it('names the shapes when dy does not fit', async () => {
    await selectBackend('wasm');
    const dy = tf.zeros([1, 3, 3, 2]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 8, 2]) as tf.Tensor4D;
    expect(() => conv2dInputGradient(dy, w, [1, 4, 4, 8], 1, 'same')).toThrow(/dy must have shape \[1, 4, 4, 2\].*got dy \[1, 3, 3, 2\]/);
    tf.dispose([dy, w]);
  });
});

describe('BatchMatMul with transpose flags on wasm (explicit transposes)', () => {
  const CASES: readonly { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
    { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
    { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
    { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
    { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
    { a: [2, 7, 5], b: [2, 3, 7], transposeA: true, transposeB: true },
    { a: [4, 6, 32], b: [1, 32, 6], transposeA: false, transposeB: false },
    { a: [32, 64], b: [48, 64], transposeA: false, transposeB: true },
    // These take the swapped form (bᵀ·aᵀ)ᵀ, which moves fewer elements.
    { a: [8, 64], b: [96, 64], transposeA: false, transposeB: true },
    { a: [64, 4], b: [4, 64], transposeA: true, transposeB: true },
    { a: [2, 3, 40], b: [2, 50, 40], transposeA: false, transposeB: true },
    { a: [3, 4, 40], b: [1, 50, 40], transposeA: false, transposeB: true },
    { a: [40, 70], b: [5, 40], transposeA: true, transposeB: true },
  ];

  function product(backend: string, index: number): Promise<Float32Array> {
    return selectBackend(backend as 'cpu' | 'wasm').then(() =>
      tf.tidy(() => {
        const c = CASES[index] as (typeof CASES)[number];
        const random = createRandom(40 + index);
        return tf.matMul(random.normal(c.a), random.normal(c.b), c.transposeA, c.transposeB).dataSync() as Float32Array;
      }),
    );
  }

  it.each(CASES.map((c, index) => [`${c.a} × ${c.b}, transposeA ${c.transposeA}, transposeB ${c.transposeB}`, index] as const))('%s matches cpu to 1e-5 relative', async (_name, index) => {
    const expected = await product('cpu', index);
    const actual = await product('wasm', index);
    expect(actual.length).toBe(expected.length);
    expect(maxRelativeDifference(actual, expected)).toBeLessThan(1e-5);
  });

  it('chooses the form that moves fewer elements', () => {
    // dy·Wᵀ for a dense layer's input gradient: transposing W moves 512², the swapped form
    // moves dy and the 32×512 result.
    expect(transposeCosts([32, 512], [512, 512], false, true)).toEqual({ direct: 512 * 512, swapped: 2 * 32 * 512 });
    // xᵀ·dy for its weight gradient: transposing x is cheaper than transposing dy and a 512² result.
    expect(transposeCosts([32, 512], [32, 512], true, false)).toEqual({ direct: 32 * 512, swapped: 32 * 512 + 512 * 512 });
    expect(transposeCosts([2, 3, 40], [1, 50, 40], false, true)).toEqual({ direct: 50 * 40, swapped: 2 * 3 * 40 + 2 * 3 * 50 });
  });

  it.each([
    ['direct', [8, 4], [6, 4]],
    ['swapped', [2, 64], [48, 64]],
  ] as const)('leaves no tensor or buffer behind (%s form)', async (_form, aShape, bShape) => {
    await selectBackend('wasm');
    const a = tf.ones([...aShape]);
    const b = tf.ones([...bShape]);
    tf.matMul(a, b, false, true).dispose();
    const before = tf.memory();
    for (let i = 0; i < 20; i++) tf.matMul(a, b, false, true).dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([a, b]);
  });
});

describe('wasm Identity and Cast', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('share the data of a tensor with the dtype it already has, and stay readable after the source is disposed', () => {
    const dataBefore = tf.memory().numDataBuffers;
    const x = tf.tensor2d([1.5, -2, 3.25, 0], [2, 2]);
    const clone = tf.clone(x);
    const same = tf.cast(x, 'float32');
    expect(clone.dataId).toBe(x.dataId);
    expect(same.dataId).toBe(x.dataId);
    expect(tf.memory().numDataBuffers).toBe(dataBefore + 1);
    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1.5, -2, 3.25, 0]);
    clone.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3.25, 0]);
    same.dispose();
    expect(tf.memory().numDataBuffers).toBe(dataBefore);
  });

  it('still convert between dtypes, and cast to bool as x ≠ 0 (wasm wrote −2.5 as 254 and 0.5 as 0)', () => {
    const x = tf.tensor1d([1.75, -2.5, 0], 'float32');
    const flags = tf.tidy(() => Array.from(tf.cast(tf.tensor1d([0.5, -0.25, 0]), 'bool').dataSync()));
    expect(flags).toEqual([1, 1, 0]);
    const asInt = tf.cast(x, 'int32');
    const asBool = tf.cast(x, 'bool');
    const back = tf.cast(asInt, 'float32');
    expect(asInt.dataId).not.toBe(x.dataId);
    expect(Array.from(asInt.dataSync())).toEqual([1, -2, 0]);
    expect(Array.from(asBool.dataSync())).toEqual([1, 1, 0]);
    expect(Array.from(back.dataSync())).toEqual([1, -2, 0]);
    tf.dispose([x, asInt, asBool, back]);
  });
});

describe('wasm LeakyRelu (x · step(x, α))', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('gives the bits of wasm’s own kernel (x < 0 ? α·x : x in float32), NaN, ±Infinity and ±0 included, and leaves no data behind', () => {
    const special = [-3.5, -1e-30, -0, 0, 1e-30, 2.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -7e37, 1e38];
    const x = tf.concat([tf.tensor1d(special), tf.reshape(createRandom(8).normal([4, 50]), [200])]);
    const before = tf.memory().numDataBuffers;
    const y = tf.leakyRelu(x, 0.2);
    expect(tf.memory().numDataBuffers).toBe(before + 1);
    const alpha = Math.fround(0.2);
    // (The cpu kernel multiplies by 0.2 as a float64 and rounds once: its last bit can differ.)
    const expected = Array.from(x.dataSync()).map((value) => (value < 0 ? Math.fround(alpha * value) : value));
    const label = (list: number[]): (number | string)[] => list.map((value) => (Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value));
    expect(label(Array.from(y.dataSync()))).toEqual(label(expected));
    expect(label(Array.from(y.dataSync()).slice(2, 9))).toEqual(['-0', 0, Math.fround(1e-30), 2.25, 'NaN', Infinity, -Infinity]);
    tf.dispose([x, y]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryLayout, elementwisePath } from './elementwise-kernels.js';
import { createRandom, selectBackend } from './index.node.js';

// wasm's own kernels, taken before selectBackend('wasm') registers Gantry's in their place.
const ORIGINAL = Object.fromEntries(['Add', 'Sub', 'Multiply', 'RealDiv', 'Sum'].map((name) => [name, (tf.getKernel(name, 'wasm') as tf.KernelConfig).kernelFunc]));

const SPECIAL = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-38, -3e38, 1e-45];

/** Normal values over twelve orders of magnitude, with the special values first. */
function values(shape: readonly number[], seed: number): tf.Tensor {
  const count = shape.reduce((p, d) => p * d, 1);
  const data = tf.tidy(() => tf.mul(createRandom(seed).normal([count]), tf.exp(createRandom(seed + 1).uniform([count], -14, 14))).dataSync() as Float32Array);
  SPECIAL.forEach((value, index) => {
    if (index < count && count > 2) data[(index * 5) % count] = value;
  });
  return tf.tensor(data, [...shape], 'float32');
}

const label = (list: ArrayLike<number>): (number | string)[] => Array.from(list, (value) => (Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value));

/** wasm's own kernel's output, read back and freed. */
function original(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): { shape: number[]; values: (number | string)[] } {
  const backend = tf.backend();
  const out = (ORIGINAL[name] as tf.KernelFunc)({ inputs: inputs as unknown as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  const result = { shape: [...out.shape], values: label(backend.readSync(out.dataId) as Float32Array) };
  backend.disposeData(out.dataId);
  return result;
}

const OPERATIONS = [
  ['Add', tf.add],
  ['Sub', tf.sub],
  ['Multiply', tf.mul],
  ['RealDiv', tf.div],
] as const;

// Every layout of binaryLayout (all of out, one element on either side or both, a repeated
// row, a repeated column, a row against a column), with tails of 1-3 lanes, and layouts it
// leaves to wasm's kernel.
const SHAPES: readonly [number[], number[]][] = [
  [[32, 128], [32, 128]],
  [[5, 7], [5, 7]],
  [[32, 128], [128]],
  [[3], [4, 3]],
  [[32, 128], []],
  [[], [33]],
  [[1], [1, 6]],
  [[], []],
  [[64, 1], [64, 8]],
  [[9, 3], [9, 1]],
  [[5, 3, 7], [3, 7]],
  [[5, 3, 7], [5, 1, 1]],
  [[7], [5, 1]],
  [[5, 1, 3], [1, 4, 1]],
  [[5, 3, 7], [1, 3, 1]],
  [[2, 0], [2, 0]],
];

describe('Gantry’s Add, Sub, Multiply and RealDiv on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('run on Gantry’s module here, in place of wasm’s kernels', () => {
    expect(elementwisePath(tf.backend())).toBe('simd');
    for (const name of Object.keys(ORIGINAL)) expect(tf.getKernel(name, 'wasm')?.kernelFunc).not.toBe(ORIGINAL[name]);
  });

  it.each(OPERATIONS.flatMap(([name]) => SHAPES.map(([a, b], index) => [name, JSON.stringify(a), JSON.stringify(b), index] as const)))(
    '%s of %s and %s gives the bits of wasm’s own kernel, NaN, ±Infinity, ±0 and subnormals included',
    (name, _a, _b, index) => {
      const [shapeA, shapeB] = SHAPES[index] as [number[], number[]];
      const op = (OPERATIONS.find(([n]) => n === name) as (typeof OPERATIONS)[number])[1];
      const [a, b] = [values(shapeA, 10 + index), values(shapeB, 50 + index)];
      const expected = original(name, { a, b });
      const result = op(a, b);
      expect(result.shape).toEqual(expected.shape);
      expect(label(result.dataSync())).toEqual(expected.values);
      tf.dispose([a, b, result]);
    },
  );

  it('agree with cpu bit for bit (IEEE float32 operations, each rounded once)', async () => {
    const [a, b] = [values([6, 9], 3), values([9], 4)];
    const [dataA, dataB] = [a.dataSync(), b.dataSync()];
    const wasm = OPERATIONS.map(([, op]) => label(op(a, b).dataSync()));
    await selectBackend('cpu');
    const [ca, cb] = [tf.tensor(dataA, [6, 9]), tf.tensor(dataB, [9])];
    const cpu = OPERATIONS.map(([, op]) => label(op(ca, cb).dataSync()));
    await selectBackend('wasm');
    expect(wasm).toEqual(cpu);
  });

  it('leave other dtypes to wasm’s kernels', () => {
    const a = tf.tensor([3, -7, 2147483647], [3], 'int32');
    const sum = tf.add(a, tf.scalar(1, 'int32'));
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([4, -6, -2147483648]);
  });

  it('leave no data behind', () => {
    const [a, b] = [values([32, 128], 1), values([128], 2)];
    const before = tf.memory().numDataBuffers;
    for (const [, op] of OPERATIONS) op(a, b).dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('binaryLayout', () => {
  it('describes each side as contiguous or one element, and its stride per row in bytes', () => {
    expect(binaryLayout([32, 128], [128], [32, 128])).toEqual({ rows: 32, n: 128, sides: [{ kind: 'v', stride: 512 }, { kind: 'v', stride: 0 }] });
    expect(binaryLayout([64, 1], [64, 8], [64, 8])).toEqual({ rows: 64, n: 8, sides: [{ kind: 's', stride: 4 }, { kind: 'v', stride: 32 }] });
    expect(binaryLayout([7], [5, 1], [5, 7])).toEqual({ rows: 5, n: 7, sides: [{ kind: 'v', stride: 0 }, { kind: 's', stride: 4 }] });
    expect(binaryLayout([], [3, 4], [3, 4])).toEqual({ rows: 1, n: 12, sides: [{ kind: 's', stride: 0 }, { kind: 'v', stride: 48 }] });
    expect(binaryLayout([1], [1, 1], [1, 1])).toEqual({ rows: 1, n: 1, sides: [{ kind: 'v', stride: 4 }, { kind: 'v', stride: 4 }] });
  });

  it('is null for layouts it does not cover and for empty tensors', () => {
    expect(binaryLayout([5, 1, 3], [1, 4, 1], [5, 4, 3])).toBeNull();
    expect(binaryLayout([5, 3, 7], [1, 3, 1], [5, 3, 7])).toBeNull();
    expect(binaryLayout([4, 3], [4, 1], [4, 3])).not.toBeNull();
    expect(binaryLayout([3], [4, 1], [4, 3])).not.toBeNull();
    expect(binaryLayout([2, 3], [3, 1], [3, 2, 3])).toBeNull();
    expect(binaryLayout([2, 0], [2, 0], [2, 0])).toBeNull();
  });
});

describe('Gantry’s Sum on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  const CASES: readonly [number[], number | number[] | undefined][] = [
    [[32, 128], 0],
    [[32, 8], [0]],
    [[33, 3], 0],
    [[4, 5, 6], [0, 1]],
    [[4, 5, 6], [1, 0]],
    [[4, 5, 6], [0, 2]],
    [[64], undefined],
    [[1, 5], 0],
    [[6, 7], -1],
    [[6, 7], [-2]],
  ];

  it.each(CASES.map(([shape, axis], index) => [JSON.stringify(shape), JSON.stringify(axis), index] as const))('of %s over axes %s gives the bits of wasm’s own kernel, kept dimensions or not', (_shape, _axis, index) => {
    const [shape, axis] = CASES[index] as [number[], number | number[] | undefined];
    const x = values(shape, 90 + index);
    for (const keepDims of [false, true]) {
      const expected = original('Sum', { x }, { axis, keepDims });
      const result = tf.sum(x, axis, keepDims);
      expect(result.shape).toEqual(expected.shape);
      expect(label(result.dataSync())).toEqual(expected.values);
      result.dispose();
    }
    x.dispose();
  });

  it('sums a column of -0 to +0, as wasm’s kernel starts from +0', () => {
    const sum = tf.sum(tf.tensor([-0, -0, -0, -0, -0], [1, 5]), 0);
    expect(label(sum.dataSync())).toEqual([0, 0, 0, 0, 0]);
  });

  it('leaves int32 to wasm’s kernel', () => {
    const sum = tf.sum(tf.tensor([[1, 2], [3, 2147483647]], [2, 2], 'int32'), 0);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([4, -2147483647]);
  });
});

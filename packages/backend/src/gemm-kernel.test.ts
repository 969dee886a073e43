import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { gemmFor } from './gemm-kernel.js';
import { createRandom, selectBackend } from './index.node.js';

// wasm's own product (XNNPACK's for unflagged operands), taken before selectBackend('wasm')
// registers Gantry's in its place.
const ORIGINAL = (tf.getKernel(tf.BatchMatMul, 'wasm') as tf.KernelConfig).kernelFunc;

const label = (list: ArrayLike<number>): (number | string)[] => Array.from(list, (value) => (Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value));

/** wasm's own product of explicitly transposed operands (its flagged path sums in another order). */
function original(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): { shape: number[]; values: (number | string)[] } {
  const swap = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [...x.shape.keys()].map((axis, _, axes) => (axis < axes.length - 2 ? axis : axis === axes.length - 2 ? axis + 1 : axis - 1)));
  const [left, right] = [transposeA ? swap(a) : a, transposeB ? swap(b) : b];
  const backend = tf.backend();
  const out = ORIGINAL({ inputs: { a: left, b: right } as unknown as tf.NamedTensorInfoMap, attrs: { transposeA: false, transposeB: false }, backend }) as tf.TensorInfo;
  const result = { shape: [...out.shape], values: label(backend.readSync(out.dataId) as Float32Array) };
  backend.disposeData(out.dataId);
  tf.dispose([left, right].filter((x) => x !== a && x !== b));
  return result;
}

// Tiles of 4 rows × 8, 4 and 1 columns and the rows left over; each transpose flag; the
// swapped form Cᵀ = B·Aᵀ (a transposed B larger than A and C); equal and broadcast batches.
const CASES: readonly { a: number[]; b: number[]; transposeA?: boolean; transposeB?: boolean }[] = [
  { a: [32, 128], b: [128, 128] },
  { a: [1, 32, 128], b: [1, 128, 8] },
  { a: [5, 7], b: [7, 13] },
  { a: [1, 1], b: [1, 1] },
  { a: [3, 300], b: [300, 2] },
  { a: [33, 2], b: [2, 130] },
  { a: [7, 5], b: [7, 12], transposeA: true },
  { a: [32, 64], b: [32, 9], transposeA: true },
  { a: [5, 7], b: [3, 7], transposeB: true },
  { a: [8, 64], b: [96, 64], transposeB: true },
  { a: [64, 8], b: [96, 64], transposeA: true, transposeB: true },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [2, 7, 5], b: [2, 5, 6] },
  { a: [4, 6, 32], b: [1, 32, 6] },
  { a: [1, 6, 32], b: [3, 32, 6] },
  { a: [3, 4, 40], b: [1, 50, 40], transposeB: true },
  { a: [2, 3, 40, 5], b: [2, 3, 40, 9], transposeA: true },
];

describe('Gantry’s BatchMatMul on wasm (no XNNPACK set-up)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('runs on Gantry’s module here', () => {
    expect(gemmFor(tf.backend() as unknown as Parameters<typeof gemmFor>[0])).toBeTypeOf('function');
  });

  it.each(CASES.map((c, index) => [JSON.stringify(c.a), JSON.stringify(c.b), c.transposeA === true, c.transposeB === true, index] as const))(
    '%s × %s (transposeA %s, transposeB %s) gives the bits and shape of XNNPACK’s product',
    (_a, _b, transposeA, transposeB, index) => {
      const c = CASES[index] as (typeof CASES)[number];
      const random = createRandom(300 + index);
      const [a, b] = [random.normal(c.a), random.normal(c.b)];
      const expected = original(a, b, transposeA, transposeB);
      const before = tf.memory().numDataBuffers;
      const result = tf.matMul(a, b, transposeA, transposeB);
      expect(tf.memory().numDataBuffers).toBe(before + 1);
      expect(result.shape).toEqual(expected.shape);
      expect(label(result.dataSync())).toEqual(expected.values);
      tf.dispose([a, b, result]);
    },
  );

  it('adds ±0, ±Infinity and NaN products as XNNPACK does', () => {
    const a = tf.tensor([[-0, 1, Number.NaN], [Number.POSITIVE_INFINITY, 0, 2], [-0, -0, -0], [1e30, 1e30, -1e30]]);
    const b = tf.tensor([[1, -0, 0, 2, 1], [0, 1, -0, 1e10, 1], [1, 1, 1, 1e10, 0]]);
    const expected = original(a, b, false, false);
    expect(label(tf.matMul(a, b).dataSync())).toEqual(expected.values);
  });

  it('broadcasts batches on both sides, which wasm’s own kernel gets wrong (it returned values near 1e-41)', () => {
    const random = createRandom(9);
    const [a, b] = [random.normal([2, 1, 3, 4]), random.normal([1, 5, 4, 2])];
    const broadcast = tf.matMul(a, b);
    expect(broadcast.shape).toEqual([2, 5, 3, 2]);
    const first = tf.matMul(tf.reshape(tf.slice(a, [1, 0, 0, 0], [1, 1, 3, 4]), [3, 4]), tf.reshape(tf.slice(b, [0, 4, 0, 0], [1, 1, 4, 2]), [4, 2]));
    expect(label(tf.slice(broadcast, [1, 4, 0, 0], [1, 1, 3, 2]).dataSync())).toEqual(label(first.dataSync()));
    const last = tf.matMul(tf.reshape(tf.slice(a, [0, 0, 0, 0], [1, 1, 3, 4]), [3, 4]), tf.reshape(tf.slice(b, [0, 2, 0, 0], [1, 1, 4, 2]), [4, 2]));
    expect(label(tf.slice(broadcast, [0, 2, 0, 0], [1, 1, 3, 2]).dataSync())).toEqual(label(last.dataSync()));
    expect(tf.matMul(random.normal([3, 1, 2, 4]), random.normal([5, 4, 6])).shape).toEqual([3, 5, 2, 6]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import {
  countedLoop, F32, instantiateOnBackend, get, I32, I32_ADD, I32_AND, I32_MUL, I32_SHL, i32, load1, moduleBytes, set, simd, store1, uleb, V128,
  type WasmBackendMemory,
  type WasmKernelBackend,
} from './wasm-assembly.js';

/*
 * A float32 matrix product for wasm without XNNPACK's set-up. wasm's BatchMatMul builds an
 * XNNPACK operator for each new right-hand tensor, packing its values first; in a training
 * step nearly every product's right-hand side is new (gradients, transposes, weights after
 * each Adam update), so 74 of the 4 × 128 step's 97 products paid 50-85 µs of set-up on top
 * of a 30-50 µs product. This one reads the operands where they are.
 *
 * Each output element is ((0 + a₀·b₀) + a₁·b₁) + …, a product rounded then a sum rounded,
 * in k's order: the order of XNNPACK's wasm SIMD kernels, so the same bits (tested against
 * wasm's own kernel). Tiles of 4 rows × 8 columns (eight four-lane accumulators), then 4
 * columns, then one; rows left over one at a time. A is read one element at a time through
 * two strides, so a transposed A costs nothing.
 *
 * gemm(a, b, c, m, k, n, aRow, aK): c (m × n, row-major) = A · b, b (k × n, row-major),
 * A(i, kk) at a + i·aRow + kk·aK (bytes).
 * Locals: i 8, j 9, kk 10, n bytes 11, end of 8-column tiles 12, end of 4-column tiles 13,
 * rows in 4-row tiles 14, pb 15, pa 16-19, accumulators 20-27 (four lanes), b 28-29,
 * splat 30, accumulators 31-34 (one lane), b 35, a 36.
 */
const load4At = (offset: number): number[] => [...simd(0x00), 0, ...uleb(offset)];
const store4At = (offset: number): number[] => [...simd(0x0b), 0, ...uleb(offset)];
const LOAD_SPLAT = [...simd(0x09), 0, 0];
const [ADD4, MUL4] = [simd(0xe4), simd(0xe6)];
const [ADD1, MUL1] = [[0x92], [0x94]];
const ZERO4 = [0x43, 0, 0, 0, 0, ...simd(0x13)];
const ZERO1 = [0x43, 0, 0, 0, 0];

function tile(rows: number, width: 8 | 4 | 1): number[] {
  const vectors = width / 4;
  const acc = (r: number, v: number): number => (width === 1 ? 31 + r : 20 + 2 * r + v);
  const code: number[] = [];
  for (let r = 0; r < rows; r++) {
    // pa_r = a + (i + r)·aRow
    code.push(...get(0), ...get(8), ...i32(r), ...I32_ADD, ...get(6), ...I32_MUL, ...I32_ADD, ...set(16 + r));
    for (let v = 0; v < Math.max(vectors, 1); v++) code.push(...(width === 1 ? ZERO1 : ZERO4), ...set(acc(r, v)));
  }
  code.push(...get(1), ...get(9), ...I32_ADD, ...set(15));
  code.push(...i32(0), ...set(10));
  const body: number[] = [];
  if (width === 1) body.push(...get(15), ...load1, ...set(35));
  for (let v = 0; v < vectors; v++) body.push(...get(15), ...load4At(16 * v), ...set(28 + v));
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      body.push(...get(acc(r, 0)), ...get(16 + r), ...load1, ...get(35), ...MUL1, ...ADD1, ...set(acc(r, 0)));
    } else {
      body.push(...get(16 + r), ...LOAD_SPLAT, ...set(30));
      for (let v = 0; v < vectors; v++) body.push(...get(acc(r, v)), ...get(30), ...get(28 + v), ...MUL4, ...ADD4, ...set(acc(r, v)));
    }
    body.push(...get(16 + r), ...get(7), ...I32_ADD, ...set(16 + r));
  }
  body.push(...get(15), ...get(11), ...I32_ADD, ...set(15));
  code.push(...countedLoop(10, 4, i32(1), body));
  for (let r = 0; r < rows; r++) {
    // c + (i + r)·n bytes + j
    const address = [...get(2), ...get(8), ...i32(r), ...I32_ADD, ...get(11), ...I32_MUL, ...I32_ADD, ...get(9), ...I32_ADD];
    if (width === 1) code.push(...address, ...get(acc(r, 0)), ...store1);
    else for (let v = 0; v < vectors; v++) code.push(...address, ...get(acc(r, v)), ...store4At(16 * v));
  }
  return code;
}

function rowBlock(rows: number): number[] {
  return [
    ...i32(0), ...set(9),
    ...countedLoop(9, 12, i32(32), tile(rows, 8)),
    ...countedLoop(9, 13, i32(16), tile(rows, 4)),
    ...countedLoop(9, 11, i32(4), tile(rows, 1)),
  ];
}

/** The module's bytes: one exported function, `gemm`. */
function gemmModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const code = [
    ...get(5), ...i32(2), ...I32_SHL, ...set(11),
    ...get(5), ...i32(-8), ...I32_AND, ...i32(2), ...I32_SHL, ...set(12),
    ...get(5), ...i32(-4), ...I32_AND, ...i32(2), ...I32_SHL, ...set(13),
    ...get(3), ...i32(-4), ...I32_AND, ...set(14),
    ...i32(0), ...set(8),
    ...countedLoop(8, 14, i32(4), rowBlock(4)),
    ...countedLoop(8, 3, i32(1), rowBlock(1)),
  ];
  return moduleBytes([{ name: 'gemm', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [[12, I32], [11, V128], [5, F32], [1, F32]], code }], shared);
}

type Gemm = (a: number, b: number, c: number, m: number, k: number, n: number, aRow: number, aK: number) => void;

const instances = new WeakMap<object, Gemm | null>();

/** The product bound to this backend's memory, or null where wasm SIMD or the memory is unavailable. */
export function gemmFor(backend: WasmBackendMemory): Gemm | null {
  return instantiateOnBackend(backend, instances, gemmModuleBytes, (exports) => exports.gemm as Gemm);
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** For each matrix of a batch of shape `out`, the index of the matrix it reads in a batch of shape `shape` broadcast to it. */
function sourceIndices(shape: readonly number[], out: readonly number[]): number[] {
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const indices: number[] = [];
  for (let t = 0; t < size(out); t++) {
    let [rest, index, stride] = [t, 0, 1];
    for (let axis = out.length - 1; axis >= 0; axis--) {
      const position = rest % (out[axis] as number);
      rest = Math.floor(rest / (out[axis] as number));
      if (padded[axis] !== 1) index += position * stride;
      stride *= padded[axis] as number;
    }
    indices.push(index);
  }
  return indices;
}

/**
 * BatchMatMul of two float32 tensors on {@link gemmFor}'s product, batches broadcast on both
 * sides (which wasm's own kernel gets wrong), or null where it does not apply (other dtypes,
 * empty products, no wasm SIMD): the caller then uses wasm's own kernel. A transposed A is
 * read in place; with a transposed B, `transpose` (wasm's Transpose kernel) moves either B
 * or A and the result, whichever is fewer values.
 */
export function gemmBatchMatMul(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  backendObject: unknown,
  transpose: (x: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const backend = backendObject as WasmKernelBackend;
  const gemm = gemmFor(backend);
  if (gemm === null) return null;
  const [aOuter, aInner] = a.shape.slice(-2) as [number, number];
  const [bOuter, bInner] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aInner, aOuter] : [aOuter, aInner];
  const n = transposeB ? bOuter : bInner;
  if ((transposeB ? bInner : bOuter) !== k || m * n * k === 0) return null;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  // Batches that do not broadcast get the error wasm's own kernel gives.
  const batch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const count = size(batch);
  // Each output matrix's A and B matrices, counted in matrices.
  const [aIndex, bIndex] = [aBatch, bBatch].map((shape) => sourceIndices(shape, batch)) as [number[], number[]];
  const [aStep, bStep] = [4 * m * k, 4 * k * n];
  const temporaries: tf.TensorInfo[] = [];
  const made = (info: tf.TensorInfo): tf.TensorInfo => {
    temporaries.push(info);
    return info;
  };
  try {
    // A transposed B is either transposed (k·n values moved) or the product is computed
    // as Cᵀ = B·Aᵀ, which moves A unless it is already transposed (m·k) and then Cᵀ (m·n).
    if (transposeB && (transposeA ? 0 : m * k) + m * n < k * n) {
      const left = b;
      const right = transposeA ? a : made(transpose(a));
      const flipped = made(backend.makeOutput([...batch, n, m], 'float32'));
      const [pl, pr, pc] = [left, right, flipped].map((info) => backend.typedArrayFromHeap(info).byteOffset) as [number, number, number];
      for (let t = 0; t < count; t++) gemm(pl + (bIndex[t] as number) * bStep, pr + (aIndex[t] as number) * aStep, pc + t * 4 * m * n, n, k, m, 4 * k, 4);
      return transpose(flipped);
    }
    const right = transposeB ? made(transpose(b)) : b;
    const out = backend.makeOutput([...batch, m, n], 'float32');
    // Offsets are read after the output is made: making it can grow (and move) the heap.
    const [pa, pb, pc] = [a, right, out].map((info) => backend.typedArrayFromHeap(info).byteOffset) as [number, number, number];
    const [aRow, aK] = transposeA ? [4, 4 * m] : [4 * k, 4];
    for (let t = 0; t < count; t++) gemm(pa + (aIndex[t] as number) * aStep, pb + (bIndex[t] as number) * bStep, pc + t * 4 * m * n, m, k, n, aRow, aK);
    return out;
  } finally {
    for (const temporary of temporaries) backend.disposeData(temporary.dataId);
  }
}

import * as tf from '@tensorflow/tfjs-core';
import {
  ADD1, ADD4, countedLoop, instantiateOnBackend, DIV1, DIV4, F32, get, I32, I32_ADD, I32_AND, I32_SHL, i32, load1, load4, moduleBytes, MUL1, MUL4, set, SPLAT, store1, store4, SUB1, SUB4, V128,
  type AssembledFunction,
  type WasmKernelBackend,
} from './wasm-assembly.js';

/*
 * wasm's Add, Sub, Multiply and RealDiv go through XNNPACK, whose set-up costs 3-4 µs a call
 * whatever the size; a plain loop over a 32 × 128 tensor takes well under 1 µs (wasm's own
 * Square: 0.7 µs a call with TF.js's bookkeeping). A VCAGAN 4 × 128 step makes about 260 such
 * calls. Its Sum over the batch axis (every bias gradient) transposes first and costs 7 µs.
 * These kernels do the same float32 operations in the same order as the kernels they
 * replace, so the results are the same bits (tested against them and against cpu); any case
 * outside their layouts (other dtypes, other broadcasts, no wasm SIMD) goes to the original.
 */

/** The binary operations replaced, with their four-lane and one-lane instructions. */
const OPERATIONS = {
  Add: [ADD4, ADD1],
  Sub: [SUB4, SUB1],
  Multiply: [MUL4, MUL1],
  RealDiv: [DIV4, DIV1],
} as const;
type Operation = keyof typeof OPERATIONS;

/*
 * binary_<op>_<a><b>(a, b, out, rows, n, aStride, bStride): for each of `rows` rows, out's n
 * contiguous elements from a's and b's rows, each side either n contiguous elements ('v') or
 * one element splatted ('s'); after each row a and b move by their strides in bytes (0 for a
 * row repeated, 4 for one element per row) and out by n elements.
 * Locals: r 7, i 8, row bytes 9, four-lane end 10, splats 11-12, scalars 13-14.
 */
function binaryFunction(operation: Operation, aKind: 'v' | 's', bKind: 'v' | 's'): AssembledFunction {
  const [op4, op1] = OPERATIONS[operation];
  const at = (pointer: number): number[] => [...get(pointer), ...get(8), ...I32_ADD];
  const side = (pointer: number, kind: 'v' | 's', splat: number, scalar: number) => ({
    before: kind === 's' ? [...get(pointer), ...load1, ...set(scalar), ...get(scalar), ...SPLAT, ...set(splat)] : [],
    four: kind === 's' ? get(splat) : [...at(pointer), ...load4],
    one: kind === 's' ? get(scalar) : [...at(pointer), ...load1],
  });
  const a = side(0, aKind, 11, 13);
  const b = side(1, bKind, 12, 14);
  const code = [
    ...get(4), ...i32(2), ...I32_SHL, ...set(9),
    ...get(4), ...i32(-4), ...I32_AND, ...i32(2), ...I32_SHL, ...set(10),
    ...i32(0), ...set(7),
    ...countedLoop(7, 3, i32(1), [
      ...a.before, ...b.before,
      ...i32(0), ...set(8),
      ...countedLoop(8, 10, i32(16), [...at(2), ...a.four, ...b.four, ...op4, ...store4]),
      ...countedLoop(8, 9, i32(4), [...at(2), ...a.one, ...b.one, ...op1, ...store1]),
      ...get(0), ...get(5), ...I32_ADD, ...set(0),
      ...get(1), ...get(6), ...I32_ADD, ...set(1),
      ...get(2), ...get(9), ...I32_ADD, ...set(2),
    ]),
  ];
  return { name: `binary_${operation}_${aKind}${bKind}`, params: [I32, I32, I32, I32, I32, I32, I32], locals: [[4, I32], [2, V128], [2, F32]], code };
}

/*
 * sum_leading(x, out, rows, n): out[j] = ((0 + x[0, j]) + x[1, j]) + … + x[rows − 1, j], the
 * order of wasm's Sum after its transpose, four columns at a time.
 * Locals: j 4, r 5, row bytes 6, four-lane end 7, p 8, acc 9 (four lanes), acc 10 (one).
 */
function sumLeadingFunction(): AssembledFunction {
  const zero = [0x43, 0, 0, 0, 0];
  const column = (acc: number, load: number[], add: number[], store: number[], init: number[]): number[] => [
    ...init, ...set(acc),
    ...get(0), ...get(4), ...I32_ADD, ...set(8),
    ...i32(0), ...set(5),
    ...countedLoop(5, 2, i32(1), [...get(acc), ...get(8), ...load, ...add, ...set(acc), ...get(8), ...get(6), ...I32_ADD, ...set(8)]),
    ...get(1), ...get(4), ...I32_ADD, ...get(acc), ...store,
  ];
  const code = [
    ...get(3), ...i32(2), ...I32_SHL, ...set(6),
    ...get(3), ...i32(-4), ...I32_AND, ...i32(2), ...I32_SHL, ...set(7),
    ...i32(0), ...set(4),
    ...countedLoop(4, 7, i32(16), column(9, load4, ADD4, store4, [...zero, ...SPLAT])),
    ...countedLoop(4, 6, i32(4), column(10, load1, ADD1, store1, zero)),
  ];
  return { name: 'sum_leading', params: [I32, I32, I32, I32], locals: [[5, I32], [1, V128], [1, F32]], code };
}

type Exports = Record<string, (...args: number[]) => void>;

const instances = new WeakMap<object, Exports | null>();

/** The module's bytes: the leading-axes sum and a binary function per operation and layout. */
function elementwiseModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const functions = [sumLeadingFunction()];
  for (const operation of Object.keys(OPERATIONS) as Operation[]) {
    for (const kinds of ['vv', 'vs', 'sv'] as const) functions.push(binaryFunction(operation, kinds[0] as 'v' | 's', kinds[1] as 'v' | 's'));
  }
  return moduleBytes(functions, shared);
}

/** The module bound to this backend's memory, or null where wasm SIMD or the memory is unavailable. */
function kernels(backend: WasmKernelBackend): Exports | null {
  return instantiateOnBackend(backend, instances, elementwiseModuleBytes, (exports) => exports as Exports);
}

/** Whether the elementwise kernels run Gantry's module on this backend ('simd') or wasm's own kernels ('original'): for tests. */
export function elementwisePath(backend: unknown): 'simd' | 'original' {
  return kernels(backend as WasmKernelBackend) === null ? 'original' : 'simd';
}

/**
 * How a broadcast binary operation maps onto rows × n: each side is n contiguous elements
 * or one element per row, and moves by `stride` bytes a row. Null for layouts the module
 * does not cover. `a` and `b` are the operands' shapes, `out` their broadcast shape.
 */
export function binaryLayout(a: readonly number[], b: readonly number[], out: readonly number[]): { rows: number; n: number; sides: [BinarySide, BinarySide] } | null {
  const size = out.reduce((p, d) => p * d, 1);
  if (size === 0) return null;
  const forms = [a, b].map((shape) => sideForm(shape, out, size));
  let rows: number | undefined;
  let n: number | undefined;
  for (const form of forms) {
    if (form === null) return null;
    if (form.kind === 'row') {
      if (n !== undefined && n !== form.length) return null;
      n = form.length;
    }
    if (form.kind === 'column') {
      if (rows !== undefined && rows !== form.length) return null;
      rows = form.length;
    }
  }
  if (n === undefined) n = rows === undefined ? size : size / rows;
  if (rows === undefined) rows = size / n;
  if (rows * n !== size) return null;
  const width = n;
  const sides = forms.map((form): BinarySide => {
    switch (form?.kind) {
      case 'full':
        return { kind: 'v', stride: 4 * width };
      case 'row':
        return { kind: 'v', stride: 0 };
      case 'column':
        return { kind: 's', stride: 4 };
      default:
        // One element (a one-element out makes both sides 'full').
        return { kind: 's', stride: 0 };
    }
  }) as [BinarySide, BinarySide];
  return { rows, n, sides };
}

/** One operand of {@link binaryLayout}: contiguous ('v') or one element splatted ('s'), and its stride per row in bytes. */
export interface BinarySide {
  readonly kind: 'v' | 's';
  readonly stride: number;
}

type SideForm = { kind: 'full' | 'one' } | { kind: 'row' | 'column'; length: number };

/** Whether `shape` broadcast to `out` is all of out, one element, a trailing row repeated, or a leading column repeated. */
function sideForm(shape: readonly number[], out: readonly number[], size: number): SideForm | null {
  const length = shape.reduce((p, d) => p * d, 1);
  if (length === size) return { kind: 'full' };
  if (length === 1) return { kind: 'one' };
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const first = padded.findIndex((d) => d !== 1);
  if (padded.slice(first).every((d, k) => d === out[first + k])) return { kind: 'row', length };
  let last = padded.length - 1;
  while (padded[last] === 1) last -= 1;
  if (padded.slice(0, last + 1).every((d, k) => d === out[k])) return { kind: 'column', length };
  return null;
}

/** A binary kernel function on Gantry's module, falling back to `original` outside its cases. */
function binaryKernel(operation: Operation, original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args);
    const backend = args.backend as unknown as WasmKernelBackend;
    const module = kernels(backend);
    if (module === null) return original(args);
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const layout = binaryLayout(a.shape, b.shape, shape);
    if (layout === null) return original(args);
    const out = backend.makeOutput(shape, 'float32');
    // Offsets are read after the output is made: making it can grow (and move) the heap.
    const [pa, pb, po] = [a, b, out].map((info) => backend.typedArrayFromHeap(info).byteOffset) as [number, number, number];
    const [sa, sb] = layout.sides;
    (module[`binary_${operation}_${sa.kind}${sb.kind}`] as (...values: number[]) => void)(pa, pb, po, layout.rows, layout.n, sa.stride, sb.stride);
    return out;
  };
}

/** wasm's Sum for float32 over leading axes on Gantry's module; the original elsewhere. */
function sumKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    if (x.dtype !== 'float32') return original(args);
    // wasm's own Sum adds the reduced axes in the order given: only 0, 1, … k − 1 in that order is this loop's order.
    const axes = tf.util.parseAxisParam(axis, x.shape);
    if (axes.length === 0 || axes.some((value, k) => value !== k)) return original(args);
    const backend = args.backend as unknown as WasmKernelBackend;
    const module = kernels(backend);
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const n = x.shape.slice(axes.length).reduce((p, d) => p * d, 1);
    if (module === null || rows * n === 0) return original(args);
    const shape = keepDims ? x.shape.map((d, k) => (k < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const out = backend.makeOutput(shape, 'float32');
    const [px, po] = [x, out].map((info) => backend.typedArrayFromHeap(info).byteOffset) as [number, number];
    (module.sum_leading as (...values: number[]) => void)(px, po, rows, n);
    return out;
  };
}

/**
 * Registers Gantry's Add, Sub, Multiply, RealDiv and Sum on wasm in place of wasm's own
 * (called by `registerWasmKernels`).
 */
export function registerElementwiseKernels(): void {
  for (const operation of Object.keys(OPERATIONS) as Operation[]) {
    const config = tf.getKernel(operation, 'wasm');
    if (config === undefined) continue;
    tf.unregisterKernel(operation, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: binaryKernel(operation, config.kernelFunc) });
  }
  const sum = tf.getKernel(tf.Sum, 'wasm');
  if (sum !== undefined) {
    tf.unregisterKernel(tf.Sum, 'wasm');
    tf.registerKernel({ ...sum, kernelFunc: sumKernel(sum.kernelFunc) });
  }
}

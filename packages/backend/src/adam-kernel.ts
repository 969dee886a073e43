import type * as tf from '@tensorflow/tfjs-core';
import { ADD1, ADD4, instantiateOnBackend, DIV1, DIV4, get, I32, load1, load4, moduleBytes, MUL1, MUL4, set, SPLAT, SQRT1, SQRT4, store1, store4, SUB1, SUB4, uleb, V128, F32, type WasmKernelBackend } from './wasm-assembly.js';

/**
 * The name of Gantry's fused Adam kernel: one kernel call updates every variable of a
 * network, where the same update in TF.js ops is 9 kernels per variable (198 of the 680
 * kernels of a VCAGAN 4 × 128 step). Registered on wasm by {@link registerWasmKernels};
 * `@gantry/trainer`'s `adamUpdates` uses it wherever the active backend has it and TF.js ops
 * everywhere else.
 */
export const AdamUpdate = 'GantryAdamUpdate';

/**
 * The attributes of {@link AdamUpdate}. Its inputs are `rate` and `epsilon` (the scalars of
 * `adamScalars`) and, for each k < `count`, `variable{k}`, `firstMoment{k}`, `secondMoment{k}`
 * and `gradient{k}`. Its outputs, for each k: the new variable and second moment, and the new
 * first moment unless `beta1` is 0 (the first moment is then the gradient itself).
 */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly count: number;
}

/*
 * The update of one variable, element by element, in float32 operations in exactly the order
 * of the TF.js ops it replaces (so the result is the same bits):
 *   m' = m·β1 + g·(1 − β1)   (m' = g when β1 = 0)
 *   v' = v·β2 + (g·g)·(1 − β2)
 *   θ' = θ − (m' / (√v' + ε))·rate
 * Four lanes at a time with wasm SIMD, then the last n mod 4 one at a time. The module imports
 * the wasm backend's own memory, so it reads and writes the tensors where they are.
 * Parameters: θ, m, v, g, θ', m', v' (byte offsets), n, β1, 1 − β1, β2, 1 − β2, rate, ε,
 * and whether to compute m'.
 */
/** The update loop over one width: `address(k)` is the address of pointer parameter k at the current offset. */
function updateLoop(step: number, end: number, lanes: boolean): number[] {
  const [load, store, add, sub, mul, div, sqrt] = lanes ? [load4, store4, ADD4, SUB4, MUL4, DIV4, SQRT4] : [load1, store1, ADD1, SUB1, MUL1, DIV1, SQRT1];
  // Constants: the splatted vectors (locals 18-23) or the scalar parameters (8-13).
  const [b1, c1, b2, c2, rate, eps] = lanes ? [18, 19, 20, 21, 22, 23] : [8, 9, 10, 11, 12, 13];
  const [g, m, v] = lanes ? [24, 25, 26] : [27, 28, 29];
  const at = (pointer: number): number[] => [...get(pointer), ...get(15), 0x6a];
  return [
    0x02, 0x40, 0x03, 0x40,
    ...get(15), ...get(end), 0x4f, 0x0d, 1,
    ...at(3), ...load, ...set(g),
    ...get(14), 0x04, 0x40,
    ...at(1), ...load, ...get(b1), ...mul, ...get(g), ...get(c1), ...mul, ...add, ...set(m),
    ...at(5), ...get(m), ...store,
    0x05,
    ...get(g), ...set(m),
    0x0b,
    ...at(2), ...load, ...get(b2), ...mul, ...get(g), ...get(g), ...mul, ...get(c2), ...mul, ...add, ...set(v),
    ...at(6), ...get(v), ...store,
    ...at(4), ...at(0), ...load, ...get(m), ...get(v), ...sqrt, ...get(eps), ...add, ...div, ...get(rate), ...mul, ...sub, ...store,
    ...get(15), 0x41, ...uleb(step), 0x6a, ...set(15),
    0x0c, 0,
    0x0b, 0x0b,
  ];
}

function adamModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, I32];
  const code = [
    ...[8, 9, 10, 11, 12, 13].flatMap((parameter, k) => [...get(parameter), ...SPLAT, ...set(18 + k)]),
    ...get(7), 0x41, 2, 0x74, ...set(17),
    ...get(7), 0x41, 0x7c, 0x71, 0x41, 2, 0x74, ...set(16),
    ...updateLoop(16, 16, true),
    ...updateLoop(4, 17, false),
  ];
  return moduleBytes([{ name: 'adam', params, locals: [[3, I32], [9, V128], [3, F32]], code }], shared);
}

type AdamFunction = (...args: number[]) => void;

const modules = new WeakMap<object, AdamFunction | null>();

/** The SIMD update bound to this backend's memory, or null where wasm SIMD or the memory is unavailable. */
function simdUpdate(backend: WasmKernelBackend): AdamFunction | null {
  return instantiateOnBackend(backend, modules, adamModuleBytes, (exports) => exports.adam as AdamFunction);
}

/** Which implementation {@link adamUpdateWasm} uses on this backend: for tests. */
export function adamUpdatePath(backend: unknown): 'simd' | 'scalar' {
  return simdUpdate(backend as WasmKernelBackend) === null ? 'scalar' : 'simd';
}

/** The same update in JavaScript, each operation rounded to float32, for an engine without wasm SIMD. */
function scalarUpdate(theta: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, outTheta: Float32Array, outM: Float32Array | null, outV: Float32Array, constants: readonly number[]): void {
  const f = Math.fround;
  const [b1, c1, b2, c2, rate, eps] = constants.map(f) as [number, number, number, number, number, number];
  // Stryker disable next-line EqualityOperator: equivalent: `<=` reads and writes once past the ends of the Float32Arrays, which drops the writes; the killed `>=` is hidden with it.
  for (let i = 0; i < g.length; i++) {
    const gi = g[i] as number;
    const mi = outM === null ? gi : f(f((m[i] as number) * b1) + f(gi * c1));
    if (outM !== null) outM[i] = mi;
    const vi = f(f((v[i] as number) * b2) + f(f(gi * gi) * c2));
    outV[i] = vi;
    outTheta[i] = f((theta[i] as number) - f(f(mi / f(f(Math.sqrt(vi)) + eps)) * rate));
  }
}

/** The kernel function of {@link AdamUpdate} on the wasm backend. */
export function adamUpdateWasm(args: { inputs: unknown; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const backend = args.backend as WasmKernelBackend;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const { beta1, beta2, count } = args.attrs as AdamUpdateAttrs;
  const heap = (info: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(info);
  const rate = heap(inputs.rate as tf.TensorInfo)[0] as number;
  const epsilon = heap(inputs.epsilon as tf.TensorInfo)[0] as number;
  const constants = [beta1, 1 - beta1, beta2, 1 - beta2, rate, epsilon];
  const withMoment = beta1 !== 0;
  const update = simdUpdate(backend);
  const outputs: tf.TensorInfo[] = [];
  for (let k = 0; k < count; k++) {
    const [theta, m, v, g] = ['variable', 'firstMoment', 'secondMoment', 'gradient'].map((key) => inputs[`${key}${k}`] as tf.TensorInfo) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    const outTheta = backend.makeOutput([...theta.shape], 'float32');
    const outM = withMoment ? backend.makeOutput([...m.shape], 'float32') : null;
    const outV = backend.makeOutput([...v.shape], 'float32');
    // Offsets are read after every output is made: making one can grow (and move) the heap.
    const [t, mm, vv, gg, ot, om, ov] = [theta, m, v, g, outTheta, outM ?? outV, outV].map(heap) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    // Stryker disable next-line ConditionalExpression: equivalent: the JavaScript update gives the same bits as the SIMD module (tested), only slower, which benchmarks measure; the killed `true` is hidden with it.
    if (update !== null) update(t.byteOffset, mm.byteOffset, vv.byteOffset, gg.byteOffset, ot.byteOffset, om.byteOffset, ov.byteOffset, gg.length, ...constants, withMoment ? 1 : 0);
    else scalarUpdate(t, mm, vv, gg, ot, withMoment ? om : null, ov, constants);
    outputs.push(outTheta, ...(outM === null ? [] : [outM]), outV);
  }
  return outputs;
}

import type * as tf from '@tensorflow/tfjs-core';

/*
 * The few pieces of the WebAssembly binary format that Gantry's hand-assembled kernels
 * (adam-kernel.ts, elementwise-kernels.ts, gemm-kernel.ts) need: numbers, sections, and the
 * opcodes they use, and how they reach the wasm backend's memory. Internal to @gantry/backend.
 */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128, the format's integers. */
export function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128, for i32.const. */
export function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

export const get = (index: number): number[] => [0x20, index];
export const set = (index: number): number[] => [0x21, index];
export const i32 = (value: number): number[] => [0x41, ...sleb(value)];
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
export const load4 = simd(0x00).concat([0, 0]);
export const store4 = simd(0x0b).concat([0, 0]);
export const SPLAT = simd(0x13);
export const [SQRT4, ADD4, SUB4, MUL4, DIV4] = [0xe3, 0xe4, 0xe5, 0xe6, 0xe7].map(simd) as [number[], number[], number[], number[], number[]];
export const load1 = [0x2a, 2, 0];
export const store1 = [0x38, 2, 0];
export const [SQRT1, ADD1, SUB1, MUL1, DIV1] = [[0x91], [0x92], [0x93], [0x94], [0x95]];
export const [I32_ADD, I32_MUL, I32_AND, I32_SHL, I32_GE_U] = [[0x6a], [0x6c], [0x71], [0x74], [0x4f]];

export const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
export const name = (text: string): number[] => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];

/** A counted loop: `block loop (br_if 1 when counter ≥ end) body (counter += step) br 0 end end`. */
export function countedLoop(counter: number, end: number, step: number[], body: number[]): number[] {
  return [0x02, 0x40, 0x03, 0x40, ...get(counter), ...get(end), ...I32_GE_U, 0x0d, 1, ...body, ...get(counter), ...step, ...I32_ADD, ...set(counter), 0x0c, 0, 0x0b, 0x0b];
}

/** A function's type, body and export, for {@link moduleBytes}. */
export interface AssembledFunction {
  readonly name: string;
  readonly params: readonly number[];
  /** Local declarations as [count, type] pairs. */
  readonly locals: ReadonlyArray<readonly [number, number]>;
  readonly code: readonly number[];
}

/**
 * A module importing `env.memory` (shared when `shared`, as the threaded wasm backend's is)
 * and exporting `functions`, none of which returns a value.
 */
export function moduleBytes(functions: readonly AssembledFunction[], shared: boolean): Uint8Array<ArrayBuffer> {
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const bodies = functions.map((f) => {
    const body = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.code, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(functions.map((f) => [0x60, ...vector(f.params.map((type) => [type])), 0]))),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vector(functions.map((_, k) => uleb(k)))),
    ...section(7, vector(functions.map((f, k) => [...name(f.name), 0x00, ...uleb(k)]))),
    ...section(10, vector(bodies)),
  ]);
}

/** The wasm backend's memory: the threaded build's shared memory or the single-threaded build's exported one. */
export function backendMemory(backend: WasmBackendMemory): WebAssembly.Memory | undefined {
  return backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
}

/** The wasm backend object, as far as these modules need it. */
export interface WasmBackendMemory {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
}

/** The wasm backend object, as far as the kernels on these modules need it: its memory and its float32 outputs. */
export interface WasmKernelBackend extends WasmBackendMemory {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): void;
}

/**
 * The module `bytes(shared)` instantiated on the wasm backend's memory (shared for the
 * threaded build), once per backend and kept in `cache`; null where the memory is not
 * reachable or the engine refuses the module (no wasm SIMD).
 */
export function instantiateOnBackend<T>(backend: WasmBackendMemory, cache: WeakMap<object, T | null>, bytes: (shared: boolean) => Uint8Array<ArrayBuffer>, pick: (exports: WebAssembly.Exports) => T): T | null {
  if (cache.has(backend)) return cache.get(backend) as T | null;
  let result: T | null = null;
  const memory = backendMemory(backend);
  if (memory !== undefined) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    try {
      result = pick(new WebAssembly.Instance(new WebAssembly.Module(bytes(shared)), { env: { memory } }).exports);
    } catch {
      result = null;
    }
  }
  cache.set(backend, result);
  return result;
}

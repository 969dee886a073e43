import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, selectBackend } from './index.node.js';
import { installPlatform, platform, type Platform } from './platform.js';

/*
 * The browser build's paths, in Node: a platform like `browserPlatform` (no module loader,
 * no extra candidates), and the browser globals each probe reads, faked one at a time. The
 * playground's end-to-end test runs the real browser build in Chromium.
 */
const FAKED = ['navigator', 'OffscreenCanvas', 'document'] as const;

let node: Platform;
let saved: Record<string, PropertyDescriptor | undefined>;

beforeEach(() => {
  node = platform();
  installPlatform({ ...node, name: 'browser', importModule: undefined, extraCandidates: [], prepareWasmThreads: undefined });
  saved = Object.fromEntries(FAKED.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
});

afterEach(async () => {
  for (const name of FAKED) {
    const descriptor = saved[name];
    if (descriptor === undefined) Reflect.deleteProperty(globalThis, name);
    else Object.defineProperty(globalThis, name, descriptor);
  }
  installPlatform(node);
  await tf.setBackend('cpu');
});

function fake(name: (typeof FAKED)[number], value: unknown): void {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}

/** A canvas whose `getContext` answers from `contexts`, recording what was asked. */
function canvasAnswering(contexts: Record<string, unknown>, asked: string[]): { getContext: (kind: string) => unknown } {
  return {
    getContext: (kind) => {
      asked.push(kind);
      return contexts[kind] ?? null;
    },
  };
}

async function skippedReasons(options: Parameters<typeof selectBackend>[1] = {}): Promise<Record<string, string>> {
  const selection = await selectBackend('auto', options);
  return Object.fromEntries(selection.skipped.map((entry) => [entry.backend, entry.reason]));
}

describe('selectBackend in the browser build', () => {
  it("refuses 'tensorflow' by name: it exists only in Node", async () => {
    const attempt = selectBackend('tensorflow');
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow("selectBackend('tensorflow'): backend 'tensorflow' is not available. It exists only in Node (this is the browser build).");
    const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
    expect([error.packages, error.installCommand]).toEqual([[], '']);
    expect(error.message).not.toMatch(/Install it with/);
  });

  it("'auto' without WebGPU, WebGL or a loader takes the registered cpu backend, saying why it passed over each better one", async () => {
    const selection = await selectBackend('auto');
    expect(selection).toEqual({
      backend: 'cpu',
      tfBackend: 'cpu',
      packageName: null,
      reason: 'plain JavaScript, the slowest and most portable; the best available here',
      threads: null,
      skipped: [
        { backend: 'webgpu', reason: 'navigator.gpu is undefined: this browser does not expose WebGPU' },
        { backend: 'webgl', reason: 'neither OffscreenCanvas nor document is available' },
        {
          backend: 'wasm',
          reason:
            "TF.js backend 'wasm' is not registered and the browser build cannot load packages by name: import '@tensorflow/tfjs-backend-wasm' before calling selectBackend, or pass options.importModule.",
        },
      ],
    });
  });

  it('says when WebGPU has no adapter, and when an adapter is there but its package was not imported', async () => {
    fake('navigator', { gpu: { requestAdapter: async () => null } });
    expect((await skippedReasons()).webgpu).toBe('navigator.gpu.requestAdapter() returned null: no WebGPU adapter');
    fake('navigator', { gpu: { requestAdapter: async () => ({}) } });
    expect((await skippedReasons()).webgpu).toBe(
      "TF.js backend 'webgpu' is not registered and the browser build cannot load packages by name: import '@tensorflow/tfjs-backend-webgpu' before calling selectBackend, or pass options.importModule.",
    );
  });

  it('asks an OffscreenCanvas for WebGL 2 and then WebGL 1, and says when neither comes', async () => {
    const asked: string[] = [];
    // Called with `new`: a function that returns an object gives that object.
    fake('OffscreenCanvas', function OffscreenCanvas(width: number, height: number) {
      asked.push(`${width}×${height}`);
      return canvasAnswering({}, asked);
    });
    expect((await skippedReasons()).webgl).toBe('no WebGL context could be created');
    expect(asked).toEqual(['1×1', 'webgl2', 'webgl']);
  });

  it("takes a document's canvas where there is no OffscreenCanvas, and goes on to load WebGL's package once a context comes", async () => {
    for (const contexts of [{ webgl2: {} }, { webgl: {} }]) {
      const asked: string[] = [];
      fake('document', { createElement: (tag: string) => (asked.push(tag), canvasAnswering(contexts, asked)) });
      expect((await skippedReasons()).webgl).toBe(
        "TF.js backend 'webgl' is not registered and the browser build cannot load packages by name: import '@tensorflow/tfjs-backend-webgl' before calling selectBackend, or pass options.importModule.",
      );
      expect(asked).toEqual('webgl2' in contexts ? ['canvas', 'webgl2'] : ['canvas', 'webgl2', 'webgl']);
    }
  });

  it('uses a backend the app registered, with no package name, and registers Gantry\'s wasm kernels on it', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const selection = await selectBackend('wasm');
    expect(selection).toEqual({
      backend: 'wasm',
      tfBackend: 'wasm',
      packageName: null,
      reason: 'WebAssembly (XNNPACK, SIMD where supported); asked for by name',
      skipped: [],
      // Gantry cannot reach the wasm module without a loader.
      threads: null,
    });
    expect(tf.getKernel('GantryAdamUpdate', 'wasm')).toBeDefined();
    const withLoader = await selectBackend('wasm', { importModule: async (name) => import(name) });
    expect(withLoader.threads).toBe(1);
    expect(withLoader.packageName).toBeNull();
    const attempt = selectBackend('wasm', { threads: 1 });
    await expect(attempt).rejects.toThrow(
      "backend 'wasm' is not available. options.threads needs the '@tensorflow/tfjs-backend-wasm' module: pass options.importModule so that Gantry can reach it.",
    );
    expect(((await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError).message).not.toMatch(/Install it with/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
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

/** The reason a backend the app did not import is passed over, as the browser build gives it. */
function notImported(backend: string): string {
  return `TF.js backend '${backend}' is not registered and the browser build cannot load packages by name: import '@tensorflow/tfjs-backend-${backend}' before calling selectBackend, or pass options.importModule.`;
}

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
        { backend: 'wasm', reason: notImported('wasm') },
      ],
    });
  });

  it('says when WebGPU has no adapter, and when an adapter is there but its package was not imported', async () => {
    fake('navigator', { gpu: { requestAdapter: async () => null } });
    expect((await skippedReasons()).webgpu).toBe('navigator.gpu.requestAdapter() returned null: no WebGPU adapter');
    fake('navigator', { gpu: { requestAdapter: async () => ({}) } });
    expect((await skippedReasons()).webgpu).toBe(notImported('webgpu'));
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
      expect((await skippedReasons()).webgl).toBe(notImported('webgl'));
      expect(asked).toEqual('webgl2' in contexts ? ['canvas', 'webgl2'] : ['canvas', 'webgl2', 'webgl']);
    }
  });

  it('takes WebGPU where there is an adapter and the app registered its backend', async () => {
    fake('navigator', { gpu: { requestAdapter: async () => ({}) } });
    tf.registerBackend('webgpu', () => new MathBackendCPU());
    try {
      expect(await selectBackend('auto')).toEqual({ backend: 'webgpu', tfBackend: 'webgpu', packageName: null, reason: 'GPU through WebGPU; the best available here', skipped: [], threads: null });
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('webgpu');
    }
  });

  it('takes WebGL where a context comes and the app registered its backend', async () => {
    fake('OffscreenCanvas', function OffscreenCanvas() {
      return canvasAnswering({ webgl2: {} }, []);
    });
    tf.registerBackend('webgl', () => new MathBackendCPU());
    try {
      const selection = await selectBackend('auto');
      expect(selection).toMatchObject({ backend: 'webgl', tfBackend: 'webgl', packageName: null, reason: 'GPU through WebGL; the best available here' });
      expect(selection.skipped.map((entry) => entry.backend)).toEqual(['webgpu']);
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('webgl');
    }
  });

  it("'auto' with no backend registered at all says what each lacked and what to install", async () => {
    tf.removeBackend('cpu');
    try {
      await expect(selectBackend('auto')).rejects.toThrow(
        "selectBackend('auto'): no backend could be started. " +
          'webgpu: navigator.gpu is undefined: this browser does not expose WebGPU ' +
          'webgl: neither OffscreenCanvas nor document is available ' +
          `wasm: ${notImported('wasm')} ` +
          `cpu: ${notImported('cpu')} ` +
          'Install one, for example: npm install @tensorflow/tfjs-backend-cpu@~4.22.0',
      );
    } finally {
      tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
    }
  });

  it("sets the wasm backend's thread count through its module before it starts, given a loader", async () => {
    // The browser build has no thread preparation of its own: setThreadsCount is enough there.
    const selection = await selectBackend('wasm', { threads: 1, importModule: async (name) => import(name) });
    expect(selection).toMatchObject({ backend: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm', threads: 1 });
  });

  it('uses a backend already registered as it is, with no package name, and registers Gantry\'s wasm kernels on it', async () => {
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

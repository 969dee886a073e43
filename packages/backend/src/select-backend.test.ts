import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendUnavailableError, selectBackend } from './index.node.js';
import { installPlatform, platform, type BackendCandidate } from './platform.js';

/** A module loader that knows only the given fakes, as a machine with just those packages would. */
function fakeModules(fakes: Record<string, () => void>): (specifier: string) => Promise<unknown> {
  return async (specifier) => {
    const fake = fakes[specifier];
    if (fake === undefined) throw new Error(`Cannot find package '${specifier}'`);
    fake();
    return {};
  };
}

/** Stands in for tfjs-node(-gpu): registers a 'tensorflow' backend (the cpu kernels are not needed to select it). */
const registerFakeTensorflow = (): void => {
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
};

describe('selectBackend', () => {
  afterEach(async () => {
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
    await tf.setBackend('cpu');
  });

  it("'auto' prefers TensorFlow with CUDA when tfjs-node-gpu is installed", async () => {
    const selection = await selectBackend('auto', { importModule: fakeModules({ '@tensorflow/tfjs-node-gpu': registerFakeTensorflow }) });
    expect(selection.backend).toBe('tensorflow');
    expect(selection.packageName).toBe('@tensorflow/tfjs-node-gpu');
    expect(selection.reason).toMatch(/CUDA/);
    expect(selection.skipped).toEqual([]);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it("'auto' takes native CPU TensorFlow after the GPU backends, saying why each was skipped", async () => {
    const selection = await selectBackend('auto', { importModule: fakeModules({ '@tensorflow/tfjs-node': registerFakeTensorflow }) });
    expect(selection.backend).toBe('tensorflow');
    expect(selection.packageName).toBe('@tensorflow/tfjs-node');
    expect(selection.reason).toMatch(/native TensorFlow on the CPU/);
    expect(selection.skipped.map((entry) => entry.backend)).toEqual(['tensorflow', 'webgpu', 'webgl']);
    expect(selection.skipped[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu could not be loaded/);
    expect(selection.skipped[1]?.reason).toMatch(/Dawn binding 'webgpu' could not be loaded/);
    expect(selection.skipped[2]?.reason).toMatch(/WebGL needs a browser/);
  });

  it("'auto' falls to cpu when a package loads but registers no backend", async () => {
    const selection = await selectBackend('auto', {
      importModule: fakeModules({ '@tensorflow/tfjs-backend-wasm': () => undefined, '@tensorflow/tfjs-backend-cpu': () => undefined }),
    });
    expect(selection.backend).toBe('cpu');
    expect(selection.skipped.map((entry) => entry.backend)).toEqual(['tensorflow', 'webgpu', 'webgl', 'tensorflow', 'wasm']);
    expect(selection.skipped[4]?.reason).toMatch(/@tensorflow\/tfjs-backend-wasm loaded but registered no TF.js backend named 'wasm'/);
  });

  it("'auto' picks wasm on this machine (no tfjs-node, no Dawn, no WebGL), and is the default", async () => {
    const selection = await selectBackend('auto');
    expect(selection.backend).toBe('wasm');
    expect(selection.packageName).toBe('@tensorflow/tfjs-backend-wasm');
    expect(selection.threads).toBe(1);
    expect(tf.getBackend()).toBe('wasm');
    await tf.setBackend('cpu');
    expect(await selectBackend()).toMatchObject({ backend: 'wasm', packageName: null, reason: 'WebAssembly (XNNPACK, SIMD where supported); the best available here' });
  });

  it('reports no thread count where the wasm module it reaches lacks one', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    for (const fake of [{}, { setThreadsCount: () => undefined }, { getThreadsCount: () => 3 }]) {
      const selection = await selectBackend('wasm', { importModule: async () => fake });
      expect(selection.threads).toBeNull();
    }
  });

  it('by name, throws naming the missing packages and the install command, and never falls back', async () => {
    await tf.setBackend('cpu');
    const attempt = selectBackend('tensorflow', { importModule: fakeModules({}) });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
    expect(error.message).toBe(
      "selectBackend('tensorflow'): backend 'tensorflow' is not available. " +
        "@tensorflow/tfjs-node-gpu could not be loaded (Cannot find package '@tensorflow/tfjs-node-gpu'). " +
        "@tensorflow/tfjs-node could not be loaded (Cannot find package '@tensorflow/tfjs-node'). " +
        'Install it with: npm install @tensorflow/tfjs-node-gpu@~4.22.0 or npm install @tensorflow/tfjs-node@~4.22.0',
    );
    expect(error.name).toBe('BackendUnavailableError');
    expect([error.backend, error.installCommand]).toEqual(['tensorflow', 'npm install @tensorflow/tfjs-node-gpu@~4.22.0 or npm install @tensorflow/tfjs-node@~4.22.0']);
    expect(error.packages).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('gives one line per failed load: the first line of an error, or a thrown value as it is', async () => {
    const attempt = selectBackend('tensorflow', {
      importModule: async (name) => {
        if (name === '@tensorflow/tfjs-node-gpu') throw new Error(`Cannot find package '${name}'\nRequire stack:\n- /app/index.js`);
        throw 'no such package';
      },
    });
    await expect(attempt).rejects.toThrow(
      "is not available. @tensorflow/tfjs-node-gpu could not be loaded (Cannot find package '@tensorflow/tfjs-node-gpu'). @tensorflow/tfjs-node could not be loaded (no such package). Install",
    );
  });

  it("takes a 'tensorflow' backend registered before (tfjs-node, imported by the app) for the CPU, not for CUDA", async () => {
    registerFakeTensorflow();
    const selection = await selectBackend('auto', { importModule: fakeModules({}) });
    expect(selection).toMatchObject({ backend: 'tensorflow', tfBackend: 'tensorflow', packageName: null, reason: 'native TensorFlow on the CPU (@tensorflow/tfjs-node); the best available here', threads: null });
    expect(selection.skipped[0]).toEqual({ backend: 'tensorflow', reason: "the registered 'tensorflow' backend comes from @tensorflow/tfjs-node (CPU only)" });
  });

  it("with options.threads, 'auto' still prefers a better backend, and threads apply to wasm only", async () => {
    const selection = await selectBackend('auto', { threads: 1, importModule: fakeModules({ '@tensorflow/tfjs-node': registerFakeTensorflow }) });
    expect(selection).toMatchObject({ backend: 'tensorflow', packageName: '@tensorflow/tfjs-node', threads: null });
  });

  it('says when a backend fails to start, and leaves the active backend as it was', async () => {
    await tf.setBackend('cpu');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const failing = fakeModules({
        '@tensorflow/tfjs-node': () => {
          tf.registerBackend('tensorflow', () => {
            throw new Error('libtensorflow.so.2: cannot open shared object file');
          });
        },
      });
      const attempt = selectBackend('tensorflow', { importModule: failing });
      await expect(attempt).rejects.toThrow(
        "selectBackend('tensorflow'): backend 'tensorflow' is not available. @tensorflow/tfjs-node-gpu could not be loaded (Cannot find package '@tensorflow/tfjs-node-gpu'). tf.setBackend('tensorflow') failed to initialise it. Install it with:",
      );
      expect(tf.getBackend()).toBe('cpu');
      // TF.js itself logs why.
      expect(String(warn.mock.calls.flat().join(' '))).toMatch(/libtensorflow\.so\.2/);
    } finally {
      warn.mockRestore();
    }
  });

  it("says when TF.js throws while starting a backend (a kernel's set-up), and leaves the active backend as it was", async () => {
    await tf.setBackend('cpu');
    const kernel = { kernelName: 'GantryTestSetUp', backendName: 'tensorflow', kernelFunc: () => [], setupFunc: () => {
      throw new Error('kernel set-up failed\nat line 2');
    } } as unknown as tf.KernelConfig;
    tf.registerKernel(kernel);
    try {
      const attempt = selectBackend('tensorflow', { importModule: fakeModules({ '@tensorflow/tfjs-node-gpu': registerFakeTensorflow }) });
      // Both 'tensorflow' candidates (CUDA, then CPU) reach the registered backend, and both fail.
      const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
      expect(error.message).toBe("selectBackend('tensorflow'): backend 'tensorflow' is not available. initialising it failed: kernel set-up failed initialising it failed: kernel set-up failed");
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      tf.unregisterKernel('GantryTestSetUp', 'tensorflow');
    }
  });

  it('by name, uses the real default loader (tfjs-node is not installed here)', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/@tensorflow\/tfjs-node-gpu could not be loaded.*npm install @tensorflow\/tfjs-node@~4\.22\.0/s);
  });

  it("by name, 'webgpu' in Node explains the missing Dawn binding, and has no package to install of its own", async () => {
    const attempt = selectBackend('webgpu', { importModule: fakeModules({}) });
    await expect(attempt).rejects.toThrow(/npm install webgpu @tensorflow\/tfjs-backend-webgpu@~4\.22\.0$/);
    const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
    expect([error.packages, error.installCommand]).toEqual([[], '']);
  });

  it("by name, 'webgl' in Node says why", async () => {
    await expect(selectBackend('webgl')).rejects.toThrow(/WebGL needs a browser/);
  });

  it('by name, selects wasm and cpu', async () => {
    const wasm = await selectBackend('wasm');
    expect(wasm).toEqual({ backend: 'wasm', tfBackend: 'wasm', packageName: null, reason: 'WebAssembly (XNNPACK, SIMD where supported); asked for by name', skipped: [], threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    const cpu = await selectBackend('cpu');
    expect(cpu.reason).toMatch(/asked for by name/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown name, listing the valid ones', async () => {
    await expect(selectBackend('cuda' as never)).rejects.toThrow(
      /request must be 'auto' or one of 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'; got "cuda"/,
    );
  });

  describe("a platform's own candidates", () => {
    const node = platform();
    afterEach(() => {
      installPlatform(node);
    });
    const candidate = (fields: Partial<BackendCandidate>): BackendCandidate => ({ name: 'webgl', tfBackend: 'webgl', tier: 'gpu', packages: [], description: 'WebGL through a headless context', ...fields });

    it('replace the base candidate of the same name, load their first package that loads, and install any package by its name', async () => {
      const loaded: string[] = [];
      installPlatform({ ...node, extraCandidates: [candidate({ packages: ['gl-headless', '@tensorflow/tfjs-backend-webgl'] })] });
      const loader = async (name: string): Promise<unknown> => {
        loaded.push(name);
        throw new Error(`no ${name}`);
      };
      const attempt = selectBackend('webgl', { importModule: loader });
      await expect(attempt).rejects.toThrow(
        "backend 'webgl' is not available. gl-headless could not be loaded (no gl-headless). @tensorflow/tfjs-backend-webgl could not be loaded (no @tensorflow/tfjs-backend-webgl). Install it with: npm install gl-headless or npm install @tensorflow/tfjs-backend-webgl@~4.22.0",
      );
      // The base WebGL candidate, which would say that Node has no WebGL, was not tried.
      expect(loaded).toEqual(['gl-headless', '@tensorflow/tfjs-backend-webgl']);
    });

    it('are prepared once registered, however they were registered, and a failed preparation is a reason', async () => {
      const prepared: string[] = [];
      const registerCpuAs = (name: string) => () => {
        tf.registerBackend(name, () => new MathBackendCPU());
      };
      installPlatform({
        ...node,
        extraCandidates: [
          candidate({ name: 'webgl', tfBackend: 'gantry-test-a', packages: ['a', 'b'], prepare: async () => void prepared.push('a') }),
          candidate({ name: 'webgpu', tfBackend: 'gantry-test-b', prepare: async () => Promise.reject(new Error('shader compiler missing\nmore')) }),
        ],
      });
      try {
        const selection = await selectBackend('webgl', { importModule: fakeModules({ b: registerCpuAs('gantry-test-a') }) });
        expect(selection).toMatchObject({ backend: 'webgl', tfBackend: 'gantry-test-a', packageName: 'b', reason: 'WebGL through a headless context; asked for by name' });
        expect(prepared).toEqual(['a']);
        registerCpuAs('gantry-test-b')();
        const refused = (await selectBackend('webgpu').catch((caught: unknown) => caught)) as BackendUnavailableError;
        expect(refused.message).toBe("selectBackend('webgpu'): backend 'webgpu' is not available. preparing it failed: shader compiler missing");
        expect(tf.getBackend()).toBe('gantry-test-a');
      } finally {
        await tf.setBackend('cpu');
        tf.removeBackend('gantry-test-a');
        tf.removeBackend('gantry-test-b');
      }
    });
  });
});

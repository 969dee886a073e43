import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, selectBackend } from './index.node.js';

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

  it("'auto' picks wasm on this machine (no tfjs-node, no Dawn, no WebGL)", async () => {
    const selection = await selectBackend('auto');
    expect(selection.backend).toBe('wasm');
    expect(selection.packageName).toBe('@tensorflow/tfjs-backend-wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('by name, throws naming the missing packages and the install command, and never falls back', async () => {
    await tf.setBackend('cpu');
    const attempt = selectBackend('tensorflow', { importModule: fakeModules({}) });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(
      /backend 'tensorflow' is not available\. @tensorflow\/tfjs-node-gpu could not be loaded .*@tensorflow\/tfjs-node could not be loaded .*Install it with: npm install @tensorflow\/tfjs-node-gpu@~4\.22\.0 or npm install @tensorflow\/tfjs-node@~4\.22\.0/,
    );
    const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
    expect(error.packages).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('by name, uses the real default loader (tfjs-node is not installed here)', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/@tensorflow\/tfjs-node-gpu could not be loaded.*npm install @tensorflow\/tfjs-node@~4\.22\.0/s);
  });

  it("by name, 'webgpu' in Node explains the missing Dawn binding", async () => {
    await expect(selectBackend('webgpu', { importModule: fakeModules({}) })).rejects.toThrow(/npm install webgpu @tensorflow\/tfjs-backend-webgpu@~4\.22\.0/);
  });

  it("by name, 'webgl' in Node says why", async () => {
    await expect(selectBackend('webgl')).rejects.toThrow(/WebGL needs a browser/);
  });

  it('by name, selects wasm and cpu', async () => {
    const wasm = await selectBackend('wasm');
    expect(wasm).toMatchObject({ backend: 'wasm', tfBackend: 'wasm', skipped: [] });
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
});

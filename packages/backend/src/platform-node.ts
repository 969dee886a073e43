import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describeError, type BackendCandidate, type Platform } from './platform.js';
import { prepareNodeWasmThreads } from './wasm-threads-node.js';

const require = createRequire(import.meta.url);

/** Whether a package can be resolved from here, without loading it. */
function resolvable(specifier: string): boolean {
  try {
    require.resolve(specifier);
  } catch {
    return false;
  }
  return true;
}

interface DawnModule {
  create: (flags: string[]) => { requestAdapter: () => Promise<unknown> };
  globals: Record<string, unknown>;
}

/** Gives Node a `navigator.gpu` through Dawn (the `webgpu` package) and checks for an adapter. */
async function dawnWebGpuProbe(_current: Platform, importModule: ((specifier: string) => Promise<unknown>) | undefined): Promise<string | null> {
  const scope = globalThis as { navigator?: { gpu?: unknown } };
  if (scope.navigator?.gpu === undefined) {
    if (importModule === undefined) return "the Dawn binding 'webgpu' cannot be loaded: no module loader";
    let dawn: DawnModule;
    try {
      dawn = (await importModule('webgpu')) as DawnModule;
    } catch (error) {
      return `the Dawn binding 'webgpu' could not be loaded (${describeError(error)}); install it with: npm install webgpu @tensorflow/tfjs-backend-webgpu@~4.22.0`;
    }
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    if (scope.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    } else {
      Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
    }
  }
  const gpu = scope.navigator?.gpu as { requestAdapter: () => Promise<unknown> };
  const adapter = await gpu.requestAdapter();
  return adapter === null ? 'Dawn (the webgpu package) found no GPU adapter on this machine' : null;
}

const NODE_CANDIDATES: readonly BackendCandidate[] = [
  {
    name: 'tensorflow',
    tfBackend: 'tensorflow',
    tier: 'gpu',
    packages: ['@tensorflow/tfjs-node-gpu'],
    // A 'tensorflow' backend registered by the CPU-only tfjs-node must not pass for CUDA.
    probe: async () =>
      tf.findBackendFactory('tensorflow') != null && !resolvable('@tensorflow/tfjs-node-gpu')
        ? "the registered 'tensorflow' backend comes from @tensorflow/tfjs-node (CPU only)"
        : null,
    description: 'native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu)',
  },
  {
    name: 'webgpu',
    tfBackend: 'webgpu',
    tier: 'gpu',
    packages: ['@tensorflow/tfjs-backend-webgpu'],
    probe: dawnWebGpuProbe,
    description: 'GPU through WebGPU (Dawn in Node)',
  },
  {
    name: 'tensorflow',
    tfBackend: 'tensorflow',
    tier: 'native-cpu',
    packages: ['@tensorflow/tfjs-node'],
    description: 'native TensorFlow on the CPU (@tensorflow/tfjs-node)',
  },
];

/** The Node platform: packages load by name, gradients come from @tensorflow/tfjs. */
export const nodePlatform: Platform = {
  name: 'node',
  importModule: (specifier) => import(specifier),
  registerGradients: () => {
    // TF.js's Node build of tfjs-core registers no gradients; its union package does, and
    // it shares the one tfjs-core instance (and the global gradient registry) with us.
    require('@tensorflow/tfjs');
  },
  extraCandidates: NODE_CANDIDATES,
  prepareWasmThreads: prepareNodeWasmThreads,
};

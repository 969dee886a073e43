import type * as NodeModule from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { selectBackend } from './index.node.js';
import { installPlatform, platform } from './platform.js';

/*
 * The Node platform's own candidates: tfjs-node-gpu (which cannot be installed here, so the
 * module resolver is told when to find it) and WebGPU through Dawn (the `webgpu` package,
 * which finds no adapter on these machines, so a fake binding stands in for it).
 */
const resolver = vi.hoisted(() => ({ gpuPackageInstalled: false }));
vi.mock('node:module', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeModule>();
  const createRequire = (from: string | URL): NodeJS.Require => {
    const real = actual.createRequire(from);
    const resolve = ((specifier: string, options?: { paths?: string[] }) =>
      specifier === '@tensorflow/tfjs-node-gpu' && resolver.gpuPackageInstalled ? '/node_modules/@tensorflow/tfjs-node-gpu/dist/index.js' : real.resolve(specifier, options)) as NodeJS.RequireResolve;
    return Object.assign((specifier: string): unknown => real(specifier), real, { resolve }) as NodeJS.Require;
  };
  return { ...actual, createRequire };
});

const FAKED = ['navigator', 'GPUBufferUsage'] as const;
let saved: Record<string, PropertyDescriptor | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(FAKED.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
  Reflect.deleteProperty(globalThis, 'navigator');
});

afterEach(async () => {
  for (const name of FAKED) {
    const descriptor = saved[name];
    if (descriptor === undefined) Reflect.deleteProperty(globalThis, name);
    else Object.defineProperty(globalThis, name, descriptor);
  }
  resolver.gpuPackageInstalled = false;
  await tf.setBackend('cpu');
  for (const name of ['tensorflow', 'webgpu']) if (tf.findBackendFactory(name) != null) tf.removeBackend(name);
});

const registerCpuAs = (name: string) => (): void => {
  tf.registerBackend(name, () => new MathBackendCPU());
};

/** A module loader with a fake Dawn binding whose adapter is `adapter`, recording what it loads and creates. */
function withDawn(adapter: unknown, others: Record<string, () => void> = {}): { load: (specifier: string) => Promise<unknown>; loaded: string[]; created: unknown[] } {
  const loaded: string[] = [];
  const created: unknown[] = [];
  const load = async (specifier: string): Promise<unknown> => {
    loaded.push(specifier);
    if (specifier === 'webgpu') {
      return {
        create: (flags: string[]) => {
          created.push(flags);
          return { requestAdapter: async () => adapter };
        },
        globals: { GPUBufferUsage: { MAP_READ: 1 } },
      };
    }
    const register = others[specifier];
    if (register === undefined) throw new Error(`Cannot find package '${specifier}'`);
    register();
    return {};
  };
  return { load, loaded, created };
}

describe("the Node platform's candidates", () => {
  it("take a registered 'tensorflow' backend for CUDA when tfjs-node-gpu is installed", async () => {
    resolver.gpuPackageInstalled = true;
    registerCpuAs('tensorflow')();
    const selection = await selectBackend('auto', { importModule: withDawn(null).load });
    expect(selection).toEqual({
      backend: 'tensorflow',
      tfBackend: 'tensorflow',
      packageName: null,
      reason: 'native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu); the best available here',
      skipped: [],
      threads: null,
    });
  });

  it("give Node a navigator.gpu from Dawn with Dawn's globals, and say when it finds no adapter", async () => {
    const dawn = withDawn(null);
    const selection = await selectBackend('auto', { importModule: dawn.load });
    expect(selection.skipped.find((entry) => entry.backend === 'webgpu')?.reason).toBe('Dawn (the webgpu package) found no GPU adapter on this machine');
    expect(dawn.created).toEqual([[]]);
    // Left replaceable, as a browser's navigator is: an app or a test may swap it.
    expect(Object.getOwnPropertyDescriptor(globalThis, 'navigator')).toMatchObject({ configurable: true, writable: true });
    const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
    expect(gpu).toBeDefined();
    expect((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage).toEqual({ MAP_READ: 1 });
    // Once there, the same navigator.gpu is asked again, and Dawn is not loaded twice.
    await selectBackend('auto', { importModule: dawn.load });
    expect(dawn.loaded.filter((name) => name === 'webgpu')).toHaveLength(1);
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBe(gpu);
  });

  it("add gpu to a navigator that has none, keeping what it has", async () => {
    Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Node.js/20' }, configurable: true, writable: true });
    await selectBackend('auto', { importModule: withDawn(null).load });
    const navigator = (globalThis as { navigator?: { gpu?: unknown; userAgent?: string } }).navigator;
    expect(navigator?.userAgent).toBe('Node.js/20');
    expect(navigator?.gpu).toBeDefined();
    expect(Object.getOwnPropertyDescriptor(navigator, 'gpu')?.configurable).toBe(true);
  });

  it('select WebGPU through Dawn where it finds an adapter', async () => {
    const dawn = withDawn({ name: 'a GPU' }, { '@tensorflow/tfjs-backend-webgpu': registerCpuAs('webgpu') });
    const selection = await selectBackend('auto', { importModule: dawn.load });
    expect(selection).toMatchObject({ backend: 'webgpu', tfBackend: 'webgpu', packageName: '@tensorflow/tfjs-backend-webgpu', reason: 'GPU through WebGPU (Dawn in Node); the best available here' });
    expect(selection.skipped.map((entry) => entry.backend)).toEqual(['tensorflow']);
    expect(dawn.loaded).toEqual(['@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-backend-webgpu']);
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('say so when there is no module loader to find Dawn with', async () => {
    const node = platform();
    installPlatform({ ...node, importModule: undefined });
    try {
      const selection = await selectBackend('auto');
      expect(selection.skipped.find((entry) => entry.backend === 'webgpu')?.reason).toBe("the Dawn binding 'webgpu' cannot be loaded: no module loader");
    } finally {
      installPlatform(node);
    }
  });
});

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, selectBackend } from './index.node.js';
import { installPlatform, platform } from './platform.js';

const built = fileURLToPath(new URL('../dist/index.node.js', import.meta.url));

/*
 * A backend's thread count is fixed when it first starts, once per process: each case runs
 * in its own Node process. The child computes products and a convolution with their
 * gradients, large enough for XNNPACK to split them between threads, and prints a digest
 * of every output's bits.
 */
const child = `
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
const { selectBackend } = await import(process.argv[1]);
const threads = process.argv[2] === 'default' ? undefined : Number(process.argv[2]);
const selection = await selectBackend('wasm', { threads });
const normal = (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const a = normal([64, 512], 1), w = normal([512, 512], 2);
const x = normal([32, 14, 14, 64], 3), k = normal([4, 4, 64, 128], 4);
const outputs = [
  tf.matMul(a, w),
  ...tf.grads((a, w) => tf.matMul(a, w).square().sum())([a, w]),
  tf.conv2d(x, k, 2, 'same'),
  ...tf.grads((x, k) => tf.conv2d(x, k, 2, 'same').square().sum())([x, k]),
];
const hash = createHash('sha256');
for (const output of outputs) hash.update(Buffer.from(output.dataSync().buffer));
console.log(JSON.stringify({ threads: selection.threads, digest: hash.digest('hex') }));
`;

function run(threads: string): { threads: number; digest: string } {
  // No process.exit in the child: it must end by itself, with the pool's workers idle.
  // From the package's folder, where '@tensorflow/tfjs-core' resolves, whatever vitest's cwd.
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child, built, threads], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 90_000 });
  expect(result.error, result.stderr).toBeUndefined();
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as { threads: number; digest: string };
}

describe('wasm threads in Node', () => {
  it('run 2 XNNPACK threads, give the same bits as 1, and let the process exit', () => {
    const one = run('1');
    const two = run('2');
    const fallback = run('default');
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(fallback.threads).toBe(1);
    expect(two.digest).toBe(one.digest);
    expect(fallback.digest).toBe(one.digest);
  });

  it('reject a count that is not a whole number of at least 1, or a backend other than wasm', async () => {
    await expect(selectBackend('wasm', { threads: 0 })).rejects.toThrow(/options\.threads must be a whole number of at least 1; got 0\./);
    await expect(selectBackend('wasm', { threads: 1.5 })).rejects.toThrow(/got 1\.5\./);
    await expect(selectBackend('cpu', { threads: 2 })).rejects.toThrow(/options\.threads sets the wasm backend's threads; it does not apply to 'cpu'/);
  });

  it('report a failure to prepare the threads as the backend being unavailable, and leave the active backend alone', async () => {
    await selectBackend('cpu');
    const node = platform();
    installPlatform({
      ...node,
      prepareWasmThreads: () => {
        throw new Error('no wasm-out/tfjs-backend-wasm-threaded-simd.worker.js here');
      },
    });
    try {
      const attempt = selectBackend('wasm', { threads: 2 });
      await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(attempt).rejects.toThrow(/preparing 2 threads failed: no wasm-out\/tfjs-backend-wasm-threaded-simd\.worker\.js here$/);
      const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
      expect([error.packages, error.installCommand]).toEqual([[], '']);
    } finally {
      installPlatform(node);
    }
    expect(tf.getBackend()).toBe('cpu');
  });

  it("undo the platform's preparation once the backend has started, refuse a count it did not take, and put the active backend back", async () => {
    await selectBackend('cpu');
    const node = platform();
    const prepared: number[] = [];
    let released = 0;
    // A preparation that leaves the count alone: the backend starts with TF.js's 1 thread.
    installPlatform({
      ...node,
      prepareWasmThreads: (_wasm, threads) => {
        prepared.push(threads);
        return () => {
          released += 1;
        };
      },
    });
    try {
      const attempt = selectBackend('wasm', { threads: 2 });
      const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toBe(
        "selectBackend('wasm'): backend 'wasm' is not available. it runs 1 thread(s), not the 2 asked for in options.threads " +
          '(a wasm backend started earlier in this process keeps its count; TF.js caps the count at 4, and in a browser needs a cross-origin-isolated page for more than 1).',
      );
      expect([error.packages, error.installCommand]).toEqual([[], '']);
      expect([prepared, released]).toEqual([[2], 1]);
      expect(tf.getBackend()).toBe('cpu');
      // Asking again for the count it runs is no mistake, and prepares nothing: it has started.
      expect(await selectBackend('wasm', { threads: 1 })).toMatchObject({ backend: 'wasm', threads: 1 });
      expect([prepared, released]).toEqual([[2], 1]);
    } finally {
      installPlatform(node);
    }
  });

  it('say so when the wasm backend already runs with another count', async () => {
    await selectBackend('wasm');
    await tf.setBackend('cpu');
    const attempt = selectBackend('wasm', { threads: 2 });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(/it runs 1 thread\(s\), not the 2 asked for in options\.threads/);
    const error = (await attempt.catch((caught: unknown) => caught)) as BackendUnavailableError;
    expect([error.packages, error.installCommand]).toEqual([[], '']);
    expect(tf.getBackend()).toBe('cpu');
  });
});

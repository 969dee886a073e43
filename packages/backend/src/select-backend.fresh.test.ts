import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { expect, it, vi } from 'vitest';
import { BackendUnavailableError, selectBackend } from './index.node.js';

// Its own file: nothing may have made a backend active before this test.
it('refuses a backend that fails to start in a process where none was active yet, with its own error', async () => {
  expect(tf.engine().backendName as string | undefined).toBeUndefined();
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const importModule = async (name: string): Promise<unknown> => {
      if (name !== '@tensorflow/tfjs-node') throw new Error(`Cannot find package '${name}'`);
      tf.registerBackend('tensorflow', () => {
        throw new Error('libtensorflow.so.2: cannot open shared object file');
      });
      return {};
    };
    const attempt = selectBackend('tensorflow', { importModule });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow("tf.setBackend('tensorflow') failed to initialise it.");
  } finally {
    warn.mockRestore();
    tf.removeBackend('tensorflow');
  }
  tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  expect(await tf.setBackend('cpu')).toBe(true);
});

import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, selectBackend, type BackendName } from '@gantry/backend';
import { expect } from 'vitest';

/** The backends every numerical test of this package runs on. */
export const TESTED_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** Makes `name` the active backend for the tests that follow. */
export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend(name);
  if (tf.getBackend() !== name) throw new Error(`test set-up: backend ${name} is not active`);
}

/** The scalar's value. */
export function valueOf(tensor: tf.Tensor): number {
  const value = tensor.dataSync()[0] as number;
  tensor.dispose();
  return value;
}

/** Runs `run`, expects an InvalidArgumentError and returns its message. */
export function messageOf(run: () => unknown): string {
  try {
    tf.tidy(() => {
      run();
    });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidArgumentError, but nothing was thrown');
}

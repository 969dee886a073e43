import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from './checks.js';
import { selectBackend, type BackendName } from './index.node.js';

/** The backends every numerical test of the Gantry packages runs on (no GPU needed). */
export const TESTED_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** Makes `name` the active backend for the tests that follow, and checks that it is. */
export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend(name);
  if (tf.getBackend() !== name) throw new Error(`test set-up: backend ${name} is not active`);
}

/** The first value of `tensor`, which is then disposed. */
export function valueOf(tensor: tf.Tensor): number {
  const value = tensor.dataSync()[0] as number;
  tensor.dispose();
  return value;
}

/**
 * Runs `run` inside `tf.tidy` and returns the message of the {@link InvalidArgumentError}
 * it throws; throws if it throws anything else or nothing.
 */
export function invalidArgumentMessage(run: () => unknown): string {
  try {
    tf.tidy(() => {
      run();
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.message;
    throw new Error(`expected an InvalidArgumentError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected an InvalidArgumentError, but nothing was thrown');
}

/**
 * Runs `run` and returns how many times it read tensor data from the device: the engine's
 * `readSync`, which `Tensor.dataSync()` goes through. A cpu kernel's own access to its inputs
 * is not a device read and is not counted.
 */
export function countDeviceReads(run: () => void): number {
  const engine = tf.engine();
  const readSync = engine.readSync.bind(engine);
  let reads = 0;
  engine.readSync = (dataId) => {
    reads += 1;
    return readSync(dataId);
  };
  try {
    run();
  } finally {
    engine.readSync = readSync;
  }
  return reads;
}

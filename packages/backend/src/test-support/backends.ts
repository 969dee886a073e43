import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../index.node.js';

/** The backends every numerical test of this package runs on. */
export const TESTED_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** Makes `name` the active backend for the tests that follow. */
export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend(name);
  if (tf.getBackend() !== name) throw new Error(`test set-up: backend ${name} is not active`);
}

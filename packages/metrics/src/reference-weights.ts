import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gantry/backend';
import { referenceClassifier, type ReferenceClassifier, type ReferenceClassifierWeights } from './reference-classifier.js';

/** `assets/mnist-reference.json`: each weight's shape and its float32 values in base64 (little-endian). */
export interface EncodedReferenceWeights {
  readonly format: 'gantry/reference-classifier';
  readonly version: 1;
  readonly weights: Readonly<Record<string, { readonly shape: readonly number[]; readonly float32: string }>>;
}

/** The weights as JSON (what `scripts/train-mnist-reference.mjs` of this package writes). */
export function encodeReferenceWeights(weights: ReferenceClassifierWeights): EncodedReferenceWeights {
  const encoded: Record<string, { shape: number[]; float32: string }> = {};
  for (const [name, tensor] of Object.entries(weights)) {
    const values = Float32Array.from(tensor.dataSync());
    encoded[name] = { shape: [...tensor.shape], float32: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
  }
  return { format: 'gantry/reference-classifier', version: 1, weights: encoded };
}

/** Tensors from {@link encodeReferenceWeights}' JSON; the caller disposes them. */
export function decodeReferenceWeights(json: EncodedReferenceWeights, source = 'weights'): Record<string, tf.Tensor> {
  if (json.format !== 'gantry/reference-classifier' || json.version !== 1) {
    throw new InvalidArgumentError('decodeReferenceWeights', source, "format 'gantry/reference-classifier' version 1", `${String(json.format)} version ${String(json.version)}`);
  }
  return Object.fromEntries(
    Object.entries(json.weights).map(([name, { shape, float32 }]) => {
      const bytes = Buffer.from(float32, 'base64');
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return [name, tf.tensor(values, [...shape])];
    }),
  );
}

/**
 * The reference MNIST classifier with the weights this package ships (trained by
 * `scripts/train-mnist-reference.mjs` of this package; 99.0% or more on the test set, tested), or with the
 * weights in `path`. `dispose` frees them.
 */
export async function loadReferenceClassifier(path?: string): Promise<ReferenceClassifier & { dispose(): void }> {
  const file = path ?? fileURLToPath(new URL('../assets/mnist-reference.json', import.meta.url));
  const weights = decodeReferenceWeights(JSON.parse(await readFile(file, 'utf8')) as EncodedReferenceWeights, file);
  return { ...referenceClassifier(weights), dispose: () => tf.dispose(Object.values(weights)) };
}

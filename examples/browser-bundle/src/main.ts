// What a browser app does: import the backend package it ships, then Gantry's public entry.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom, enableHigherOrderGradients, selectBackend } from '@gantry/backend';

/** Selects cpu and checks d/dw of ||∇x tanh(x·w)||² against finite differences; returns the verdict. */
export async function run(): Promise<{ backend: string; ok: boolean; worstErrorRatio: number }> {
  const selection = await selectBackend('cpu');
  enableHigherOrderGradients();
  const random = createRandom(3);
  const x = random.normal([4, 3]);
  const w = tf.variable(random.normal([3, 2]), true, 'bundle/w');
  const penalty = (): tf.Scalar =>
    tf.sum(tf.square(tf.grad((input: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(input, w))))(x))) as tf.Scalar;
  const result = checkGradients(penalty, [w]);
  tf.dispose([x, w]);
  return { backend: selection.backend, ok: result.ok, worstErrorRatio: result.worstErrorRatio };
}

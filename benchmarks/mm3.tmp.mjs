import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@gantry/backend';
await selectBackend('wasm');
const a = tf.randomNormal([32, 512]);
const b = tf.randomNormal([512, 512]);
function time(label, f, n = 100) {
  for (let i = 0; i < 5; i++) tf.tidy(() => { f(); });
  const t = performance.now();
  for (let i = 0; i < n; i++) tf.tidy(() => { f(); });
  console.log(label.padEnd(40), ((performance.now() - t) / n).toFixed(3), 'ms');
}
time('x·W same', () => tf.matMul(a, b));
time('x·(cW)', () => tf.matMul(a, tf.mul(b, 0.5)));
time('(x·W)c', () => tf.mul(tf.matMul(a, b), 0.5));
time('dy·W^T via wrapper', () => tf.matMul(a, b, false, true));
time('(W·dy^T)^T', () => tf.transpose(tf.matMul(b, tf.transpose(a))));
time('W·dy^T only', () => tf.matMul(b, a.transpose()));
time('transpose 32x512', () => tf.transpose(a));
time('transpose 512x32', () => tf.transpose(a.transpose()));
time('x^T·dy wrapper', () => tf.matMul(a, a, true, false));

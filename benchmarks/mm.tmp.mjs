import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@gantry/backend';
await selectBackend('wasm');
const a = tf.randomNormal([32, 512]);
const b = tf.randomNormal([512, 512]);
function time(label, f, n = 50) {
  for (let i = 0; i < 5; i++) tf.tidy(() => { f(); });
  const t = performance.now();
  for (let i = 0; i < n; i++) tf.tidy(() => { f(); });
  console.log(label.padEnd(40), ((performance.now() - t) / n).toFixed(3), 'ms');
}
time('same b', () => tf.matMul(a, b));
time('fresh b (b+0 each)', () => tf.matMul(a, tf.add(b, 0)));
time('b+0 only', () => tf.add(b, 0));
time('transpose b', () => tf.transpose(b));
time('a·bT via flag', () => tf.matMul(a, b, false, true));
time('aT b [32,512]', () => tf.matMul(a, a, true, false));
const big = tf.randomNormal([512, 512]);
time('512^3 same b', () => tf.matMul(big, b));
time('512^3 fresh b', () => tf.matMul(big, tf.add(b, 0)));
const a64 = tf.randomNormal([64, 512]);
time('64x512 same b', () => tf.matMul(a64, b));
time('64x512 fresh b', () => tf.matMul(a64, tf.add(b,0)));

import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@gantry/backend';
await selectBackend('wasm');
console.log(tf.getBackend());
const b = tf.randomNormal([512, 512]);
for (let j = 0; j < 3; j++) {
let t = performance.now();
const c = tf.add(b, 0);
let t2 = performance.now();
c.dataSync();
let t3 = performance.now();
c.dispose();
console.log('add', (t2 - t).toFixed(3), 'read', (t3 - t2).toFixed(3), 'dispose', (performance.now() - t3).toFixed(3));
}

// Trains the reference MNIST classifier (packages/metrics/src/reference-classifier.ts) and
// writes its weights to packages/metrics/assets/mnist-reference.json: `node packages/metrics/scripts/train-mnist-reference.mjs
// [--epochs 5] [--seed 1] [--out FILE]`, from the repository root, after `pnpm build`.
// Adam(1e-3; 1e-4 for the last epoch), batch 64, on the 60,000 training images; prints the
// test accuracy after each epoch.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRandom, selectBackend, setValueChecks } from '@gantry/backend';
import { gatherBatch } from '@gantry/datasets';
import { loadMnist } from '@gantry/datasets/node';
import { initialReferenceWeights, referenceClassifier } from '@gantry/metrics';
import { encodeReferenceWeights } from '@gantry/metrics/node';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: fileURLToPath(new URL('../assets/mnist-reference.json', import.meta.url)) },
  },
});
setValueChecks(false);
await selectBackend(values.backend);
const random = createRandom(Number(values.seed));
const train = await loadMnist({ split: 'train' });
const test = await loadMnist({ split: 'test' });
const initial = initialReferenceWeights((shape) => random.normal(shape));
const variables = Object.fromEntries(Object.entries(initial).map(([name, tensor]) => [name, tf.variable(tensor, true, name)]));
const model = referenceClassifier(variables);
const optimizer = tf.train.adam(1e-3);
// Epoch orders from a seeded mulberry32 stream (Fisher-Yates).
let state = Number(values.seed) >>> 0;
const uniform = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const permutation = (n) => {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
};
const batchSize = 64;

/** Test accuracy over the 10,000 test images. */
function accuracy() {
  let correct = 0;
  for (let start = 0; start < test.size; start += 500) {
    const indices = Array.from({ length: Math.min(500, test.size - start) }, (_, i) => start + i);
    const batch = gatherBatch(test, indices);
    const predicted = tf.tidy(() => tf.argMax(model.logits(batch.x), -1).dataSync());
    batch.x.dispose();
    predicted.forEach((digit, i) => (correct += digit === batch.labels[i] ? 1 : 0));
  }
  return correct / test.size;
}

const started = performance.now();
for (let epoch = 1; epoch <= Number(values.epochs); epoch++) {
  if (epoch === Number(values.epochs) && epoch > 1) optimizer.learningRate = 1e-4;
  const order = permutation(train.size);
  let loss = 0;
  for (let start = 0; start + batchSize <= train.size; start += batchSize) {
    const indices = Array.from(order.subarray(start, start + batchSize));
    const batch = gatherBatch(train, indices);
    const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 10), 'float32'));
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.logits(batch.x)), true, Object.values(variables));
    loss += cost.dataSync()[0];
    tf.dispose([cost, labels, batch.x]);
  }
  console.log(`epoch ${epoch}: mean loss ${(loss / Math.floor(train.size / batchSize)).toFixed(4)}, test accuracy ${accuracy().toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
await writeFile(values.out, `${JSON.stringify(encodeReferenceWeights(variables))}\n`);
console.log(`wrote ${values.out}`);

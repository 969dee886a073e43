// Samples per second of the MNIST batch sampler (not a test): load the 60,000 training
// images once, then build shuffled batches of 32 and 256 images, [batch, 28, 28, 1] float32
// scaled to [-1, 1], each disposed after it is made. Runs the built package: `pnpm run build`
// first (or `turbo run bench`). Each batch size warms up for 200 batches, then runs for
// at least `seconds` (default 2). Usage: node bench/mnist-sampler.bench.mjs [seconds]
import { selectBackend } from '@gantry/backend';
import * as tf from '@tensorflow/tfjs-core';
import { batchSampler } from '../dist/index.js';
import { loadMnist } from '../dist/node.js';

const seconds = Number(process.argv[2] ?? 2);
const selection = await selectBackend('cpu');
const started = performance.now();
const train = await loadMnist({ split: 'train' });
console.log(`loaded MNIST train: ${train.size.toLocaleString('en-US')} images [${train.sampleShape.join(', ')}] in ${(performance.now() - started).toFixed(0)} ms (backend ${selection.backend})`);

for (const batchSize of [32, 256]) {
  const sampler = batchSampler(train, { batchSize, seed: 1 });
  for (let i = 0; i < 200; i++) sampler.nextBatch().x.dispose(); // warm-up
  const before = tf.memory().numTensors;
  const start = performance.now();
  let batches = 0;
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 100; i++) sampler.nextBatch().x.dispose();
    batches += 100;
    elapsed = performance.now() - start;
  }
  if (tf.memory().numTensors !== before) throw new Error('the sampler leaked tensors');
  const rate = Math.round((batches * batchSize) / (elapsed / 1000));
  console.log(`mnist batch sampler, batch ${batchSize}: ${rate.toLocaleString('en-US')} samples/s (${batches.toLocaleString('en-US')} batches in ${(elapsed / 1000).toFixed(2)} s)`);
}

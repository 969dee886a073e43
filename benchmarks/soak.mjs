// Soak: many quick-preset VCAGAN steps (4 × 128 MLPs, batch 32, kernel plans as `gantry
// train` runs them), printing the tensor count and the resident set size every 1,000 steps,
// and how far each strays from its value after the warm-up. `node benchmarks/soak.mjs
// [--steps 20000] [--backend wasm]`. A benchmark: it prints figures and asserts nothing.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { gaussianTrainer, disposeTrainer } from './trainers.mjs';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '20000' }, backend: { type: 'string', default: 'wasm' }, warmup: { type: 'string', default: '1000' } } });
const steps = Number(values.steps);
const warmup = Number(values.warmup);
setValueChecks(false);
await selectBackend(values.backend);
const trainer = gaussianTrainer(128, true);
let base;
let worstTensors = 0;
let worstRss = 0;
const started = performance.now();
for (let step = 1; step <= steps; step++) {
  trainer.trainStep();
  if (step % 1000 !== 0) continue;
  const tensors = tf.memory().numTensors;
  const rss = process.memoryUsage().rss / 2 ** 20;
  if (step === warmup) base = { tensors, rss };
  const drift = base === undefined ? '' : `; since step ${warmup}: tensors ${tensors - base.tensors >= 0 ? '+' : ''}${tensors - base.tensors}, RSS ${(100 * (rss / base.rss - 1)).toFixed(1)}%`;
  if (base !== undefined) {
    worstTensors = Math.max(worstTensors, Math.abs(tensors - base.tensors));
    worstRss = Math.max(worstRss, Math.abs(rss / base.rss - 1));
  }
  console.log(`step ${step}: ${tensors} tensors, RSS ${rss.toFixed(1)} MiB, ${((performance.now() - started) / step).toFixed(2)} ms/step${drift}`);
}
console.log(`${tf.getBackend()}, ${steps} steps after a ${warmup}-step warm-up: the tensor count strayed by at most ${worstTensors}, the RSS by at most ${(100 * worstRss).toFixed(1)}%`);
disposeTrainer(trainer);

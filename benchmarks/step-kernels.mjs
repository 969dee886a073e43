// Which kernels one training step runs, and how long each kind takes: the dispatch figures
// behind docs/benchmarks.md. `node benchmarks/step-kernels.mjs [--backend wasm]
// [--case gaussian|mnist] [--units 128] [--steps 20]`. Kernel times come from tf.profile
// (the backend's own timer per kernel, which adds its own overhead: compare counts, and
// times only between kernels). A benchmark: it prints figures and asserts nothing.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { disposeTrainer, gaussianTrainer, mnistTrainer } from './trainers.mjs';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    case: { type: 'string', default: 'gaussian' },
    units: { type: 'string', default: '128' },
    steps: { type: 'string', default: '20' },
    top: { type: 'string', default: '15' },
    threads: { type: 'string' },
  },
});
setValueChecks(false);
await selectBackend(values.backend, values.threads === undefined ? {} : { threads: Number(values.threads) });
if (!['gaussian', 'mnist'].includes(values.case)) throw new Error(`--case must be gaussian or mnist, got ${values.case}`);
const mnist = values.case === 'mnist';
const trainer = mnist ? mnistTrainer() : gaussianTrainer(Number(values.units));
for (let i = 0; i < (mnist ? 2 : 5); i++) trainer.trainStep();

const steps = Number(values.steps);
let wall = 0;
const byName = new Map();
let kernels = 0;
for (let i = 0; i < steps; i++) {
  const start = performance.now();
  const profile = await tf.profile(() => {
    trainer.trainStep();
  });
  wall += performance.now() - start;
  for (const kernel of profile.kernels) {
    const time = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const entry = byName.get(kernel.name) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += time;
    byName.set(kernel.name, entry);
    kernels += 1;
  }
}
// Plain steps, unprofiled, for the wall time the profile's own bookkeeping does not inflate.
const plainStart = performance.now();
for (let i = 0; i < steps; i++) trainer.trainStep();
const plain = (performance.now() - plainStart) / steps;
const kernelMs = [...byName.values()].reduce((sum, entry) => sum + entry.ms, 0) / steps;
console.log(`${tf.getBackend()}, VCAGAN ${mnist ? 'MNIST step (CNNs)' : `Gaussian step 4×${values.units}`}, batch 32, mean of ${steps} steps`);
console.log(`  ${(kernels / steps).toFixed(0)} kernels per step; step ${plain.toFixed(1)} ms unprofiled, ${(wall / steps).toFixed(1)} ms profiled; kernel times sum to ${kernelMs.toFixed(1)} ms`);
console.log("  (Gantry's wasm kernels call other kernels: a nested kernel's time counts in its own row and in its caller's)");
console.log('  kernel                        per step     ms per step');
for (const [name, entry] of [...byName.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, Number(values.top))) {
  console.log(`  ${name.padEnd(28)} ${(entry.count / steps).toFixed(0).padStart(8)}   ${(entry.ms / steps).toFixed(2).padStart(10)}`);
}
disposeTrainer(trainer);

// Which kernels one training step runs, and how long each kind takes: the dispatch figures
// behind docs/benchmarks.md. `node benchmarks/step-kernels.mjs [--backend wasm] [--units 128]
// [--steps 20]`. Kernel times come from tf.profile (the backend's own timer per kernel);
// "outside kernels" is the step's wall time less their sum: the engine's bookkeeping,
// the tape, tidy and the trainer. A benchmark: it prints figures and asserts nothing.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    units: { type: 'string', default: '128' },
    steps: { type: 'string', default: '20' },
    top: { type: 'string', default: '15' },
  },
});
setValueChecks(false);
await selectBackend(values.backend);
const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { lambdaCreg: 0.1, units: Number(values.units) }, 1);
const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), seed: 1 });
for (let i = 0; i < 5; i++) trainer.trainStep();

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
console.log(`${tf.getBackend()}, VCAGAN Gaussian step ${values.units === '512' ? '4×512' : `4×${values.units}`}, batch 32, mean of ${steps} steps`);
console.log(`  ${(kernels / steps).toFixed(0)} kernels per step; step ${plain.toFixed(1)} ms unprofiled (${(wall / steps).toFixed(1)} ms profiled); kernels ${kernelMs.toFixed(1)} ms; outside kernels ${(plain - kernelMs).toFixed(1)} ms`);
console.log('  kernel                        per step     ms per step');
for (const [name, entry] of [...byName.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, Number(values.top))) {
  console.log(`  ${name.padEnd(28)} ${(entry.count / steps).toFixed(0).padStart(8)}   ${(entry.ms / steps).toFixed(2).padStart(10)}`);
}
trainer.dispose();

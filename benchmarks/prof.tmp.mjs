import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';
setValueChecks(false);
await selectBackend(process.argv[2] ?? 'wasm');
const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { lambdaCreg: 0.1 }, 1);
const trainer = createTrainer({ setup, data, seed: 1 });
for (let i = 0; i < 5; i++) trainer.trainStep();
let t = performance.now();
for (let i = 0; i < 10; i++) trainer.trainStep();
console.log('ms/step', (performance.now() - t) / 10);
const prof = await tf.profile(() => trainer.trainStep());
const agg = {};
let total = 0;
for (const k of prof.kernels) {
  const key = k.name + ' ' + JSON.stringify(k.inputShapes);
  const ms = await k.kernelTimeMs;
  agg[key] ??= { n: 0, ms: 0 };
  agg[key].n++; agg[key].ms += typeof ms === 'number' ? ms : 0; total += typeof ms === 'number' ? ms : 0;
}
console.log('kernels', prof.kernels.length, 'kernel ms', total.toFixed(1));
const byName = {};
for (const [k, v] of Object.entries(agg)) { const n = k.split(' ')[0]; byName[n] ??= { n: 0, ms: 0 }; byName[n].n += v.n; byName[n].ms += v.ms; }
console.log(Object.entries(byName).sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).map(([k, v]) => `${k.padEnd(24)} ${v.n} ${v.ms.toFixed(2)}`).join('\n'));
console.log('---');
console.log(Object.entries(agg).sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).map(([k, v]) => `${k.padEnd(60)} ${v.n} ${v.ms.toFixed(2)}`).join('\n'));

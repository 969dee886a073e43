import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';
setValueChecks(false);
await selectBackend('wasm');
const k = tf.getKernel('BatchMatMul', 'wasm');
const stats = {};
let on = false;
tf.unregisterKernel('BatchMatMul', 'wasm');
tf.registerKernel({ ...k, kernelFunc: (args) => {
  const t = performance.now();
  const r = k.kernelFunc(args);
  if (on) { const key = `${args.attrs.transposeA?'T':'N'}${args.attrs.transposeB?'T':'N'} ${JSON.stringify(args.inputs.a.shape)}x${JSON.stringify(args.inputs.b.shape)}`;
  stats[key] ??= { n: 0, ms: 0 }; stats[key].n++; stats[key].ms += performance.now() - t; }
  return r;
}});
const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { lambdaCreg: 0.1 }, 1);
const trainer = createTrainer({ setup, data, seed: 1 });
for (let i = 0; i < 5; i++) trainer.trainStep();
on = true;
const t = performance.now();
for (let i = 0; i < 10; i++) trainer.trainStep();
console.log('ms/step', (performance.now() - t) / 10);
let tot = 0;
for (const [key, v] of Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms)) { tot += v.ms; console.log(key.padEnd(40), (v.n / 10).toFixed(1), (v.ms / 10).toFixed(2), (v.ms / v.n).toFixed(3)); }
console.log('total matmul ms/step', (tot / 10).toFixed(1));

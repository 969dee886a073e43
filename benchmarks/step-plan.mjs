// Where a training step's time goes: inside the kernels, or in TF.js's engine around them
// (tape, scopes, tensor bookkeeping) and Gantry's own JavaScript; and the same step replayed
// from recorded kernel plans (createTrainer({ plan: true })), which keeps the kernels and
// drops the rest. `node benchmarks/step-plan.mjs [--backend wasm] [--case gaussian|mnist]
// [--units 128] [--steps 50]`. A benchmark: it prints figures and asserts nothing.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { disposeTrainer, gaussianTrainer, mnistTrainer } from './trainers.mjs';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    case: { type: 'string', default: 'gaussian' },
    units: { type: 'string', default: '128' },
    steps: { type: 'string', default: '50' },
  },
});
setValueChecks(false);
await selectBackend(values.backend);
if (!['gaussian', 'mnist'].includes(values.case)) throw new Error(`--case must be gaussian or mnist, got ${values.case}`);
const mnist = values.case === 'mnist';
const steps = Number(values.steps);
const make = (plan) => (mnist ? mnistTrainer(plan) : gaussianTrainer(Number(values.units), plan));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of `steps` steps after warm-up (which records and checks the plans). */
function timeSteps(trainer) {
  for (let i = 0; i < (mnist ? 3 : 10); i++) trainer.trainStep();
  const times = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    trainer.trainStep();
    times.push(performance.now() - start);
  }
  return median(times);
}

// Every kernel of the backend wrapped to time its outermost calls (a kernel that runs others
// through the engine counts once, with them).
function wrapKernels() {
  const backendName = tf.getBackend();
  const counters = { depth: 0, ms: 0, calls: 0 };
  const configs = tf.getKernelsForBackend(backendName);
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (counters.depth > 0) return config.kernelFunc(args);
        counters.depth += 1;
        const start = performance.now();
        try {
          return config.kernelFunc(args);
        } finally {
          counters.depth -= 1;
          counters.ms += performance.now() - start;
          counters.calls += 1;
        }
      },
    });
  }
  const unwrap = () => {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
  return { counters, unwrap };
}

const engine = make(false);
const engineMs = timeSteps(engine);
const { counters, unwrap } = wrapKernels();
const wrappedStart = performance.now();
for (let i = 0; i < steps; i++) engine.trainStep();
const wrappedMs = performance.now() - wrappedStart;
unwrap();
disposeTrainer(engine);

const planned = make(true);
const plannedMs = timeSteps(planned);
const status = planned.plans();
disposeTrainer(planned);

const kernelShare = counters.ms / wrappedMs;
console.log(`${tf.getBackend()}, VCAGAN ${mnist ? 'MNIST step (CNNs)' : `Gaussian step 4×${values.units}`}, batch 32, medians of ${steps} steps`);
console.log(`  through the engine: ${engineMs.toFixed(2)} ms; ${(counters.calls / steps).toFixed(0)} outermost kernel calls per step, ${(100 * kernelShare).toFixed(1)}% of the step inside them`);
console.log(`  per kernel call: ${((1000 * counters.ms) / counters.calls).toFixed(1)} µs in the kernel, ${((1000 * (wrappedMs - counters.ms)) / counters.calls).toFixed(1)} µs outside (engine, tape, scopes, Gantry's JavaScript, device reads)`);
console.log(`  replayed from kernel plans: ${plannedMs.toFixed(2)} ms (${(engineMs / plannedMs).toFixed(2)}× faster)`);
for (const [name, line] of Object.entries(status)) console.log(`    ${name}: ${line}`);

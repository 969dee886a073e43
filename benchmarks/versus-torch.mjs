// Gantry against PyTorch on the same CPU, in alternating blocks: `node
// benchmarks/versus-torch.mjs [--rounds 5] [--seconds 8] [--wasm-threads auto]
// [--torch-threads 1] [--only 4×128]`. `--wasm-threads auto` (the default) runs each case
// in its own process on the thread count that is fastest for it here: 1 for the Gaussian
// steps (their products run on Gantry's one-thread kernel either way; `gantry train`'s
// default), 2 for the MNIST step (XNNPACK spreads its convolutions). Each round times a block of Gantry steps, then a
// block of the same step in PyTorch (benchmarks/torch/vcagan_step.py), so both see the
// machine at nearly the same time; the ratio is taken per round. On a shared 2-core machine the
// speed drifts by tens of percent within minutes, and a ratio of two medians measured
// minutes apart (training-step.bench.mjs) moves with it. A benchmark: it prints figures
// and asserts nothing. Each round also prints a product yardstick timed just before its
// Gantry block (productYardstick), which tells the machine's fast state from its slow one.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { findTorchPython, torchSteps } from './torch.mjs';
import { disposeTrainer, gaussianTrainer, mnistTrainer } from './trainers.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '8' },
    'wasm-threads': { type: 'string', default: 'auto' },
    'torch-threads': { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    only: { type: 'string', default: '' },
    python: { type: 'string', default: 'python3' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const torchThreads = Number(values['torch-threads']);
for (const [name, value] of [['--rounds', rounds], ['--seconds', seconds], ['--torch-threads', torchThreads]]) {
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`${name} must be an integer >= 1, got ${value}`);
}
const found = findTorchPython(values.python);
if (found.missing !== undefined) {
  console.log(`PyTorch: not available here (${found.missing}); docs/benchmarks.md says how to install it`);
  process.exit(0);
}
/** Gantry's cases (the plan: what `gantry train` runs), PyTorch's name for each, and the wasm threads `auto` gives it. */
const CASES = [
  { name: 'VCAGAN Gaussian step (4×512, b 32)', make: () => gaussianTrainer(512, true), minimumSteps: 20, threads: 1 },
  { name: 'VCAGAN Gaussian step (4×128, b 32)', make: () => gaussianTrainer(128, true), minimumSteps: 50, threads: 1 },
  { name: 'VCAGAN MNIST step (CNN, b 32)', make: () => mnistTrainer(true), minimumSteps: 5, threads: 2 },
];
const selected = CASES.filter(({ name }) => values.only === '' || name.toLowerCase().includes(values.only.toLowerCase()));
if (values['wasm-threads'] === 'auto' && values.backend === 'wasm') {
  // A wasm backend keeps its thread count for the life of the process: one child per case.
  const script = fileURLToPath(import.meta.url);
  const passed = ['--rounds', values.rounds, '--seconds', values.seconds, '--torch-threads', values['torch-threads'], '--python', found.python];
  for (const { name, threads } of selected) {
    const child = spawnSync(process.execPath, [script, ...passed, '--wasm-threads', String(threads), '--only', name.slice(name.indexOf('(') + 1, name.indexOf(','))], { stdio: 'inherit' });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}
setValueChecks(false);
const selection = await selectBackend(values.backend, values.backend === 'wasm' ? { threads: Number(values['wasm-threads']) } : {});


const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

/** The median ms of a block of steps: at least `minimumSteps`, else until `seconds` have passed. */
function gantryBlock(step, minimumSteps) {
  const times = [];
  const started = performance.now();
  while (times.length < minimumSteps || performance.now() - started < seconds * 1000) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: quantile(times, 0.5), steps: times.length };
}

/**
 * The machine's state, just before each Gantry block: the median µs of 32 × 128 · 128 × 128
 * products on the same backend. This machine switches between a fast and a slow state for
 * wasm SIMD code (the product takes about 34 or 46 µs on one thread, for minutes at a time,
 * while a scalar JavaScript loop does not slow down), and Gantry's step moves with it.
 */
function productYardstick() {
  const [a, b] = [tf.randomNormal([32, 128]), tf.randomNormal([128, 128])];
  const times = [];
  for (let i = 0; i < 1000; i++) {
    const start = performance.now();
    tf.matMul(a, b).dispose();
    times.push(performance.now() - start);
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return quantile(times, 0.5) * 1000;
}

let torchVersion = '';
console.log(`gantry versus PyTorch: ${new Date().toISOString()}, Node ${process.version}, ${selection.backend}${selection.threads === null ? '' : ` ${selection.threads} thread${selection.threads === 1 ? '' : 's'}`} (kernel plans) against PyTorch on ${torchThreads} thread${torchThreads === 1 ? '' : 's'}, ${rounds} rounds of ${seconds} s blocks`);
for (const { name, make, minimumSteps } of selected) {
  const trainer = make();
  for (let i = 0; i < 3; i++) trainer.trainStep();
  const rows = [];
  for (let round = 1; round <= rounds; round++) {
    const yardstick = productYardstick();
    const gantry = gantryBlock(() => trainer.trainStep(), minimumSteps);
    // As many PyTorch steps as fit in the block's seconds, as for Gantry (3 warm-up steps first).
    const torch = torchSteps(found.python, { threads: torchThreads, steps: 1_000_000, maxSeconds: seconds, only: name });
    if (torch.missing !== undefined) throw new Error(`PyTorch: ${torch.missing}`);
    const row = torch.cases.find((entry) => entry.case === name);
    if (row === undefined) throw new Error(`vcagan_step.py has no case ${name}`);
    torchVersion = row.torch;
    rows.push({ gantry: gantry.ms, torch: row.ms, ratio: gantry.ms / row.ms });
    console.log(`  ${name}, round ${round}: Gantry ${gantry.ms.toFixed(1)} ms (${gantry.steps} steps), PyTorch ${row.ms.toFixed(1)} ms (${row.steps} steps), ratio ${(gantry.ms / row.ms).toFixed(2)}; yardstick ${yardstick.toFixed(1)} µs`);
  }
  disposeTrainer(trainer);
  const ratios = rows.map((row) => row.ratio).sort((a, b) => a - b);
  const gantryMs = rows.map((row) => row.gantry).sort((a, b) => a - b);
  const torchMs = rows.map((row) => row.torch).sort((a, b) => a - b);
  console.log(
    `${name}: Gantry/PyTorch median of ${rounds} rounds ${quantile(ratios, 0.5).toFixed(2)} (range ${ratios[0].toFixed(2)}-${ratios.at(-1).toFixed(2)}); ` +
      `Gantry ${quantile(gantryMs, 0.5).toFixed(1)} ms (${gantryMs[0].toFixed(1)}-${gantryMs.at(-1).toFixed(1)}), PyTorch ${torchVersion} ${quantile(torchMs, 0.5).toFixed(1)} ms (${torchMs[0].toFixed(1)}-${torchMs.at(-1).toFixed(1)})`,
  );
}

// The matrix products of one training step, each timed alone: on Gantry's backend and, where
// PyTorch imports, in PyTorch (benchmarks/torch/products.py). This bounds what any amount of
// dispatch work can win: a step cannot be faster than its products. `node
// benchmarks/products.mjs [--units 128] [--wasm-threads 1] [--torch-threads 1]`. A benchmark:
// it prints figures and asserts nothing.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { findTorchPython } from './torch.mjs';
import { disposeTrainer, gaussianTrainer } from './trainers.mjs';

const { values } = parseArgs({
  options: {
    units: { type: 'string', default: '128' },
    'wasm-threads': { type: 'string', default: '1' },
    'torch-threads': { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    python: { type: 'string', default: 'python3' },
  },
});
setValueChecks(false);
const selection = await selectBackend(values.backend, values.backend === 'wasm' ? { threads: Number(values['wasm-threads']) } : {});
const trainer = gaussianTrainer(Number(values.units));
for (let i = 0; i < 3; i++) trainer.trainStep();

// One step's products, outermost calls only (Gantry's flagged product calls others).
const counts = new Map();
const kernel = tf.getKernel(tf.BatchMatMul, tf.getBackend());
tf.unregisterKernel(tf.BatchMatMul, tf.getBackend());
let depth = 0;
tf.registerKernel({
  ...kernel,
  kernelFunc: (args) => {
    if (depth === 0) {
      const key = JSON.stringify([args.inputs.a.shape, args.inputs.b.shape, args.attrs.transposeA, args.attrs.transposeB]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    depth++;
    try {
      return kernel.kernelFunc(args);
    } finally {
      depth--;
    }
  },
});
trainer.trainStep();
tf.unregisterKernel(tf.BatchMatMul, tf.getBackend());
tf.registerKernel(kernel);
disposeTrainer(trainer);
const products = [...counts].map(([key, count]) => [...JSON.parse(key), count]);

/** µs per call: the median over 7 blocks of the mean of 100 calls (single calls of a few µs time mostly the timer and the allocator). */
function timeProduct([aShape, bShape, transposeA, transposeB]) {
  const a = tf.randomNormal(aShape);
  const b = tf.randomNormal(bShape);
  for (let i = 0; i < 50; i++) tf.matMul(a, b, transposeA, transposeB).dispose();
  const blocks = [];
  for (let block = 0; block < 7; block++) {
    const start = performance.now();
    for (let i = 0; i < 100; i++) tf.matMul(a, b, transposeA, transposeB).dispose();
    blocks.push(((performance.now() - start) * 1000) / 100);
  }
  tf.dispose([a, b]);
  blocks.sort((x, y) => x - y);
  return blocks[3];
}

const found = findTorchPython(values.python);
let torch = new Map();
if (found.python !== undefined) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = fileURLToPath(new URL('torch/products.py', import.meta.url));
  const run = spawnSync(found.python, [script, '--threads', values['torch-threads']], { input: JSON.stringify(products), env, cwd: tmpdir(), encoding: 'utf8' });
  if (run.status === 0) torch = new Map(run.stdout.trim().split('\n').map((line) => JSON.parse(line)).map((row) => [JSON.stringify([row.a, row.b, row.transposeA, row.transposeB]), row.us]));
  else console.log(`PyTorch: products.py exited with ${run.status}: ${run.stderr.trim().split('\n').at(-1)}`);
} else {
  console.log(`PyTorch: not available here (${found.missing})`);
}

let ours = 0;
let theirs = 0;
let flops = 0;
console.log(`VCAGAN Gaussian step 4×${values.units}: its ${products.reduce((sum, row) => sum + row[4], 0)} products, each timed alone (µs per call: median of 7 blocks of 100 calls); ${selection.backend}${selection.threads === null ? '' : ` ${selection.threads} thread${selection.threads === 1 ? '' : 's'}`}, PyTorch ${values['torch-threads']} thread(s)`);
console.log('  a · b (flags)                        calls    Gantry µs   PyTorch µs');
for (const product of products) {
  const [aShape, bShape, transposeA, transposeB, count] = product;
  const us = timeProduct(product);
  const them = torch.get(JSON.stringify([aShape, bShape, transposeA, transposeB]));
  const rows = aShape[transposeA ? 1 : 0];
  const inner = aShape[transposeA ? 0 : 1];
  const columns = bShape[transposeB ? 0 : 1];
  flops += 2 * rows * inner * columns * count;
  ours += us * count;
  if (them !== undefined) theirs += them * count;
  const label = `[${aShape}]${transposeA ? 'ᵀ' : ''} · [${bShape}]${transposeB ? 'ᵀ' : ''}`;
  console.log(`  ${label.padEnd(36)} ${String(count).padStart(5)} ${us.toFixed(1).padStart(12)} ${them === undefined ? '-'.padStart(12) : them.toFixed(1).padStart(12)}`);
}
console.log(`  all products of one step: ${(flops / 1e6).toFixed(1)} MFLOP; Gantry ${(ours / 1000).toFixed(2)} ms (${(flops / ours / 1000).toFixed(1)} GFLOP/s)${theirs > 0 ? `, PyTorch ${(theirs / 1000).toFixed(2)} ms (${(flops / theirs / 1000).toFixed(1)} GFLOP/s), ratio ${(ours / theirs).toFixed(2)}` : ''}`);

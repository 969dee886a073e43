// pnpm bench: times Gantry's training steps on every backend that loads here, and prints
// for each: the median and spread of ms/step over at least 50 steps after warm-up, tensors
// alive after the run, the peak of TF.js's byte count, and the step's efficiency: its
// FLOPs (counted from the matMul and convolution kernels one step asks for) divided by
// the step time and by the backend's own 512×512·512×512 matMul throughput. A benchmark,
// never a test: nothing here asserts a time. Then, where PyTorch imports, the same steps in
// PyTorch on the CPU (benchmarks/torch/vcagan_step.py) and Gantry's time over PyTorch's per
// case, from this one run (--torch off skips it; --torch-threads 1,2 runs it per count).
// --wasm-threads N starts the wasm backend with N XNNPACK threads (selectBackend's
// options.threads); PyTorch then runs with N threads too unless --torch-threads says otherwise.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, setValueChecks } from '@gantry/backend';
import { findTorchPython, torchSteps } from './torch.mjs';
import { disposeTrainer, gaussianTrainer, mnistTrainer } from './trainers.mjs';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,webgpu,wasm,cpu' },
    steps: { type: 'string', default: '50' },
    'max-seconds': { type: 'string', default: '120' },
    only: { type: 'string', default: '' },
    torch: { type: 'string', default: 'auto' },
    'torch-threads': { type: 'string' },
    'wasm-threads': { type: 'string', default: '1' },
    python: { type: 'string', default: 'python3' },
  },
});
const minimumSteps = Number(values.steps);
const maxSeconds = Number(values['max-seconds']);

const size = (shape) => shape.reduce((a, b) => a * b, 1);

/** 2·M·N·K per product (batched), and 2·(output size)·(kernel window) per convolution pass. */
function kernelFlops(name, inputs, attrs) {
  switch (name) {
    case 'BatchMatMul': {
      const { a, b } = inputs;
      const rows = a.shape[a.shape.length - (attrs.transposeA ? 1 : 2)];
      const inner = a.shape[a.shape.length - (attrs.transposeA ? 2 : 1)];
      const columns = b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)];
      const batch = Math.max(size(a.shape.slice(0, -2)), size(b.shape.slice(0, -2)));
      return 2 * batch * rows * columns * inner;
    }
    case 'Conv2D': {
      const { x, filter } = inputs;
      const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode);
      return 2 * size(info.outShape) * size(filter.shape.slice(0, 3));
    }
    case 'Conv2DBackpropInput':
      // dy [b, h', w', out] against filter [kh, kw, in, out].
      return 2 * size(inputs.dy.shape) * size(inputs.filter.shape.slice(0, 3));
    case 'Conv2DBackpropFilter':
      return 2 * size(inputs.dy.shape) * size(attrs.filterShape.slice(0, 3));
    default:
      return 0;
  }
}

/**
 * The FLOPs of one call of `step`, counted from the products and convolutions it asks the
 * backend for. Gantry's wasm kernels compute some of these from other kernels (an input
 * gradient from phase convolutions, for example): only the outermost call counts, so the
 * figure is the step's own, whatever the backend does inside.
 */
function countFlops(step) {
  const backend = tf.getBackend();
  const names = ['BatchMatMul', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  const originals = names.map((name) => tf.getKernel(name, backend)).filter((kernel) => kernel !== undefined);
  let depth = 0;
  let flops = 0;
  for (const kernel of originals) {
    tf.unregisterKernel(kernel.kernelName, backend);
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        if (depth === 0) flops += kernelFlops(kernel.kernelName, args.inputs, args.attrs);
        depth++;
        try {
          return kernel.kernelFunc(args);
        } finally {
          depth--;
        }
      },
    });
  }
  try {
    step();
  } finally {
    for (const kernel of originals) {
      tf.unregisterKernel(kernel.kernelName, backend);
      tf.registerKernel(kernel);
    }
  }
  return flops;
}

function median(sorted) {
  return sorted[Math.floor(sorted.length / 2)];
}

function matMulThroughput() {
  const a = tf.randomNormal([512, 512]);
  const b = tf.randomNormal([512, 512]);
  const times = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - start);
    c.dispose();
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return (2 * 512 ** 3) / (median(times.slice(5)) / 1000) / 1e9;
}

async function timeSteps(name, step, throughput, report, knownFlops) {
  // Warm-up, unless one step already takes more than a tenth of the budget (MNIST on cpu).
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    step();
    const seconds = (performance.now() - start) / 1000;
    // The first step compiles and allocates; judge by the later ones.
    if (i > 0 && seconds > maxSeconds / 10) {
      report.line = `  ${name.padEnd(40)} skipped: one step takes ${seconds.toFixed(1)} s (over a tenth of --max-seconds ${maxSeconds})`;
      return;
    }
  }
  const flops = knownFlops ?? countFlops(step);
  report.flops = flops;
  const times = [];
  let peak = tf.memory().numBytes;
  const started = performance.now();
  while (times.length < minimumSteps && (performance.now() - started) / 1000 < maxSeconds) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
    peak = Math.max(peak, tf.memory().numBytes);
  }
  times.sort((x, y) => x - y);
  const ms = median(times);
  const efficiency = flops / (ms / 1000) / 1e9 / throughput;
  report.ms = ms;
  report.line =
    `  ${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms/step  (p10 ${times[Math.floor(times.length * 0.1)].toFixed(1)}, p90 ${times[Math.floor(times.length * 0.9)].toFixed(1)}, ${times.length} steps)` +
    `  ${(flops / 1e6).toFixed(0).padStart(6)} MFLOP/step  efficiency ${efficiency.toFixed(2)}  peak ${(peak / 2 ** 20).toFixed(0)} MiB`;
}

setValueChecks(false);
/** ms/step by backend and case, for the PyTorch ratios. */
const results = {};
const PLANNED = ', plan';
let flopsByCase;
console.log(`gantry bench: ${new Date().toISOString()}, Node ${process.version}, TF.js ${tf.version_core}, ${(await import('node:os')).cpus().length} CPUs`);
for (const backend of values.backends.split(',')) {
  try {
    const selection = await selectBackend(backend, backend === 'wasm' ? { threads: Number(values['wasm-threads']) } : {});
    console.log(`${selection.backend} (${selection.packageName}${selection.threads === null ? '' : `, ${selection.threads} thread${selection.threads === 1 ? '' : 's'}`}):`);
    results[selection.backend] = {};
    flopsByCase = {};
  } catch (error) {
    console.log(`${backend}: not available here (${String(error.message).split('\n')[0]})`);
    continue;
  }
  const throughput = matMulThroughput();
  console.log(`  matMul 512×512·512×512: ${throughput.toFixed(1)} GFLOP/s`);
  // Each training step twice: through TF.js's engine, and replayed from recorded kernel
  // plans (createTrainer({ plan: true }), gantry train's default), which run the same kernels.
  const stepCase = (make) => () => {
    const trainer = make();
    return [() => trainer.trainStep(), () => disposeTrainer(trainer)];
  };
  const cases = {
    'VCAGAN Gaussian step (4×512, b 32)': stepCase(() => gaussianTrainer(512)),
    [`VCAGAN Gaussian step (4×512, b 32)${PLANNED}`]: stepCase(() => gaussianTrainer(512, true)),
    'VCAGAN Gaussian step (4×128, b 32)': stepCase(() => gaussianTrainer(128)),
    [`VCAGAN Gaussian step (4×128, b 32)${PLANNED}`]: stepCase(() => gaussianTrainer(128, true)),
    'D* forward (4×512, b 32)': () => {
      const trainer = gaussianTrainer();
      const x = tf.randomNormal([32, 2]);
      const model = trainer.setup.networks.discriminator;
      return [() => tf.tidy(() => model.apply(x)[0].dataSync()), () => (disposeTrainer(trainer), x.dispose())];
    },
    'VCAGAN MNIST step (CNN, b 32)': stepCase(() => mnistTrainer()),
    [`VCAGAN MNIST step (CNN, b 32)${PLANNED}`]: stepCase(() => mnistTrainer(true)),
  };
  for (const [name, make] of Object.entries(cases)) {
    if (values.only !== '' && !name.toLowerCase().includes(values.only.toLowerCase())) continue;
    const before = tf.memory().numTensors;
    const [step, dispose] = make();
    const report = { line: '' };
    try {
      // A replayed step bypasses the engine, where the FLOPs are counted: its kernels are the engine step's.
      await timeSteps(name, step, throughput, report, flopsByCase[name.replace(PLANNED, '')]);
      if (report.flops !== undefined) flopsByCase[name] = report.flops;
    } catch (error) {
      report.line = `  ${name.padEnd(40)} failed: ${String(error.message).split('\n')[0]}`;
    } finally {
      dispose();
    }
    // Tensors left once the trainer and its networks are disposed: 0 unless something leaks.
    console.log(`${report.line}  tensors left ${tf.memory().numTensors - before}`);
    if (report.ms !== undefined) results[tf.getBackend()][name] = report.ms;
  }
}

const found = values.torch === 'off' ? undefined : findTorchPython(values.python);
if (found?.missing !== undefined) console.log(`PyTorch: not available here (${found.missing}); docs/benchmarks.md says how to install it`);
if (found?.python !== undefined) {
  for (const threads of (values['torch-threads'] ?? values['wasm-threads']).split(',').map(Number)) {
    const torch = torchSteps(found.python, { threads, steps: minimumSteps, maxSeconds, only: values.only });
    if (torch.missing !== undefined) {
      console.log(`PyTorch: ${torch.missing}`);
      break;
    }
    console.log(`PyTorch ${torch.cases[0]?.torch ?? ''} on the CPU, ${threads} thread${threads === 1 ? '' : 's'} (benchmarks/torch/vcagan_step.py), and Gantry's time over it from this run:`);
    for (const row of torch.cases) {
      const ratios = Object.entries(results)
        .filter(([, cases]) => cases[row.case] !== undefined)
        .map(([backend, cases]) => {
          const planned = cases[`${row.case}${PLANNED}`];
          return `${backend} ${(cases[row.case] / row.ms).toFixed(2)}×${planned === undefined ? '' : ` (plan ${(planned / row.ms).toFixed(2)}×)`}`;
        });
      console.log(
        `  ${row.case.padEnd(40)} ${row.ms.toFixed(1).padStart(8)} ms/step  (p10 ${row.p10.toFixed(1)}, p90 ${row.p90.toFixed(1)}, ${row.steps} steps)  Gantry/PyTorch: ${ratios.join(', ') || 'no Gantry figure'}`,
      );
    }
  }
}

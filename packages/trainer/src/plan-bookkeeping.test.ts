import * as tf from '@tensorflow/tfjs-core';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPlan, type KernelPlan } from './index.js';

// What a replay holds while it runs (each value freed after its last reader, outputs nobody
// reads freed at once), kernels written with TF.js ops (handed tensors, their outputs kept
// past the replay's tidy), kernels that pass an input through, and the refusals a recording
// makes. A replay's peak is what a probe kernel sees: the backend's data count when it runs.

const PROBE = 'GantryTestProbe';
const OPS_KERNEL = 'GantryTestOpsKernel';
const PASS_AND_DOUBLE = 'GantryTestPassAndDouble';
const TWO_KINDS = 'GantryTestTwoKinds';
const seen: number[] = [];

function registerTestKernels(): void {
  tf.registerKernel({
    kernelName: PROBE,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const cpu = backend as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo };
      seen.push(cpu.numDataIds());
      const x = inputs.x as tf.TensorInfo;
      return cpu.makeTensorInfo([...x.shape], x.dtype, (cpu.readSync(x.dataId) as Float32Array).slice());
    },
  });
  // Written with ops, as Gantry's wasm convolution gradients are: it needs tensors, and an
  // absent `scale` means 1.
  tf.registerKernel({
    kernelName: OPS_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs }) => {
      const { x, scale } = inputs as { x: tf.Tensor; scale?: tf.Tensor };
      return tf.tidy(() => tf.mul(tf.sub(x, tf.scalar(1)), scale ?? tf.scalar(1)));
    },
  });
  // Two outputs: its input's own data, and a new value.
  tf.registerKernel({
    kernelName: PASS_AND_DOUBLE,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const cpu = backend as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo; incRef(dataId: object): void };
      const x = inputs.x as tf.TensorInfo;
      cpu.incRef(x.dataId);
      const doubled = (cpu.readSync(x.dataId) as Float32Array).map((value) => 2 * value);
      return [{ dataId: x.dataId, shape: [...x.shape], dtype: x.dtype }, cpu.makeTensorInfo([...x.shape], x.dtype, doubled)];
    },
  });
  // Two outputs of two kinds: a tensor made with ops and a plain TensorInfo.
  tf.registerKernel({
    kernelName: TWO_KINDS,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const cpu = backend as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo };
      const x = inputs.x as tf.Tensor;
      const negated = (cpu.readSync(x.dataId) as Float32Array).map((value) => -value);
      return [tf.add(x, x), cpu.makeTensorInfo([...x.shape], x.dtype, negated)];
    },
  });
}

const runKernel = (name: string, inputs: tf.NamedTensorMap): tf.Tensor => tf.engine().runKernel(name, inputs) as tf.Tensor;
const runKernels = (name: string, inputs: tf.NamedTensorMap): tf.Tensor[] => tf.engine().runKernel(name, inputs) as tf.Tensor[];
const planOf = (plan: KernelPlan | null): KernelPlan => {
  if (plan === null) throw new Error('no plan was recorded');
  return plan;
};

describe('recordPlan: what a replay holds, kernels made of ops, and refusals (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    registerTestKernels();
  });
  afterAll(() => {
    for (const name of [PROBE, OPS_KERNEL, PASS_AND_DOUBLE, TWO_KINDS]) tf.unregisterKernel(name, 'cpu');
  });

  it('frees each value after its last reader and an output nobody reads at once: a 12-kernel chain holds one value at its end', () => {
    // Twelve negations, each read once; a split whose second half nobody reads; the input
    // also returned, and read again at the end (so the first negation's value must not be
    // taken for it and kept).
    const chain = ([x]: readonly tf.Tensor[]): tf.Tensor[] => {
      let h = x as tf.Tensor;
      for (let k = 0; k < 12; k++) h = tf.neg(h);
      const [left] = tf.split(h, 2);
      const probed = runKernel(PROBE, { x: left as tf.Tensor });
      return [tf.add(probed, tf.slice(x as tf.Tensor, [0], [2])), x as tf.Tensor];
    };
    const x1 = tf.tensor1d([1, 2, 3, 4]);
    const recording = recordPlan(chain, [x1], []);
    expect(recording.refused).toBeNull();
    tf.dispose(recording.outputs.slice(0, 1));
    const x2 = tf.tensor1d([-1, 0.5, 2, 8]);
    const before = tf.backend().numDataIds();
    seen.length = 0;
    const replayed = planOf(recording.plan).run([x2]);
    // At the probe: the input and the probe's own input, the left half; nothing else.
    expect(seen).toEqual([before + 1]);
    expect(Array.from((replayed[0] as tf.Tensor).dataSync())).toEqual([-2, 1]);
    tf.dispose(replayed);
    expect(tf.backend().numDataIds()).toBe(before);
    recording.plan?.dispose();
    tf.dispose([x1, x2]);
  });

  it('hands a kernel made of ops tensors, with an absent optional input too, and keeps its output when it is the function’s output', () => {
    const withScale = ([x, scale]: readonly tf.Tensor[]): tf.Tensor[] => [runKernel(OPS_KERNEL, { x: x as tf.Tensor, scale: scale as tf.Tensor })];
    const withoutScale = ([x]: readonly tf.Tensor[]): tf.Tensor[] => [runKernel(OPS_KERNEL, { x: x as tf.Tensor, scale: undefined as unknown as tf.Tensor })];
    const x1 = tf.tensor1d([1, 2, 3]);
    const scale1 = tf.tensor1d([2, 2, 2]);
    const scaled = recordPlan(withScale, [x1, scale1], []);
    const unscaled = recordPlan(withoutScale, [x1], []);
    expect([scaled.refused, unscaled.refused]).toEqual([null, null]);
    expect(Array.from((scaled.outputs[0] as tf.Tensor).dataSync())).toEqual([0, 2, 4]);
    tf.dispose([...scaled.outputs, ...unscaled.outputs]);

    const x2 = tf.tensor1d([5, -1, 0.5]);
    const scale2 = tf.tensor1d([1, 3, -2]);
    const before = tf.backend().numDataIds();
    const tensors = tf.memory().numTensors;
    for (let run = 0; run < 2; run++) {
      const [a] = planOf(scaled.plan).run([x2, scale2]);
      const [b] = planOf(unscaled.plan).run([x2]);
      expect(Array.from((a as tf.Tensor).dataSync())).toEqual([4, -6, 1]);
      expect(Array.from((b as tf.Tensor).dataSync())).toEqual([4, -2, -0.5]);
      tf.dispose([a as tf.Tensor, b as tf.Tensor]);
      expect(tf.backend().numDataIds()).toBe(before);
      expect(tf.memory().numTensors).toBe(tensors);
    }
    scaled.plan?.dispose();
    unscaled.plan?.dispose();
    tf.dispose([x1, scale1, x2, scale2]);
  });

  it('hands a kernel tensors when one of its outputs is a tensor and another is not', () => {
    const fn = ([x]: readonly tf.Tensor[]): tf.Tensor[] => runKernels(TWO_KINDS, { x: x as tf.Tensor });
    const x1 = tf.tensor1d([1, -2]);
    const recording = recordPlan(fn, [x1], []);
    expect(recording.refused).toBeNull();
    tf.dispose(recording.outputs);
    const x2 = tf.tensor1d([3, 0.25]);
    const before = tf.backend().numDataIds();
    const replayed = planOf(recording.plan).run([x2]);
    expect(replayed.map((tensor) => Array.from(tensor.dataSync()))).toEqual([
      [6, 0.5],
      [-3, -0.25],
    ]);
    tf.dispose(replayed);
    expect(tf.backend().numDataIds()).toBe(before);
    recording.plan?.dispose();
    tf.dispose([x1, x2]);
  });

  it('replays a kernel that hands back its input as one output and makes a new value as another', () => {
    const fn = ([x]: readonly tf.Tensor[]): tf.Tensor[] => {
      const [same, doubled] = runKernels(PASS_AND_DOUBLE, { x: tf.neg(x as tf.Tensor) });
      return [tf.add(same as tf.Tensor, doubled as tf.Tensor)];
    };
    const x1 = tf.tensor1d([1, 2]);
    const recording = recordPlan(fn, [x1], []);
    expect(recording.refused).toBeNull();
    tf.dispose(recording.outputs);
    const x2 = tf.tensor1d([-4, 0.5]);
    const before = tf.backend().numDataIds();
    const [replayed] = planOf(recording.plan).run([x2]);
    expect(Array.from((replayed as tf.Tensor).dataSync())).toEqual([12, -1.5]);
    replayed?.dispose();
    expect(tf.backend().numDataIds()).toBe(before);
    recording.plan?.dispose();
    tf.dispose([x1, x2]);
  });

  it('freezes a copy of a tensor from outside: writing into the original’s values later leaves the plan as recorded', () => {
    // cpu's dataSync hands back the backend's own array, so a write into it changes the
    // tensor; the plan copied the values it read and keeps them.
    const outside = tf.tensor1d([10, 20]);
    const x1 = tf.tensor1d([1, 2]);
    const recording = recordPlan(([input]) => [tf.add(input as tf.Tensor, outside)], [x1], []);
    tf.dispose(recording.outputs);
    (outside.dataSync() as Float32Array)[0] = 1000;
    expect(outside.dataSync()[0]).toBe(1000);
    const [replayed] = planOf(recording.plan).run([x1]);
    expect(Array.from((replayed as tf.Tensor).dataSync())).toEqual([11, 22]);
    replayed?.dispose();
    recording.plan?.dispose();
    tf.dispose([outside, x1]);
  });

  it('wraps each kernel once, however many plans are recorded', () => {
    const x = tf.tensor1d([1, 2]);
    const record = (): void => {
      const recording = recordPlan(([input]) => [tf.neg(input as tf.Tensor)], [x], []);
      tf.dispose(recording.outputs);
      recording.plan?.dispose();
    };
    record();
    const wrapped = tf.getKernel('Neg', 'cpu')?.kernelFunc;
    record();
    record();
    expect(tf.getKernel('Neg', 'cpu')?.kernelFunc).toBe(wrapped);
    x.dispose();
  });

  it('refuses a function that starts an asynchronous read, and one whose kernel reads a string tensor', () => {
    const x = tf.tensor1d([1, -2]);
    const asynchronous = recordPlan(([input]) => {
      const out = tf.neg(input as tf.Tensor);
      void out.data();
      return [out];
    }, [x], []);
    expect(asynchronous.plan).toBeNull();
    expect(asynchronous.refused).toBe('the function reads tensor values while it runs (turn value checks off with setValueChecks(false))');
    tf.dispose(asynchronous.outputs);

    const words = tf.tensor1d(['a', 'b'], 'string');
    const strings = recordPlan(([input]) => [tf.add(input as tf.Tensor, tf.cast(tf.string.stringToHashBucketFast(words, 5), 'float32'))], [x], []);
    expect(strings.plan).toBeNull();
    expect(strings.refused).toBe('a kernel reads a string tensor, which a plan cannot copy');
    tf.dispose([...strings.outputs, words, x]);
  });

  it('keeps the first reason a recording is refused for', () => {
    const x = tf.tensor1d([1, 2]);
    const outside = tf.tensor1d([3]);
    const recording = recordPlan(([input]) => {
      (input as tf.Tensor).dataSync();
      return [outside];
    }, [x], []);
    expect(recording.refused).toBe('the function reads tensor values while it runs (turn value checks off with setValueChecks(false))');
    tf.dispose([x, outside]);
  });

  it('rethrows what the function throws and frees the constants it had copied', () => {
    const x = tf.tensor1d([1, 2]);
    const constant = tf.tensor1d([5, 5]);
    const before = tf.backend().numDataIds();
    const failure = new Error('the function failed');
    expect(() =>
      recordPlan(([input]) => {
        tf.add(input as tf.Tensor, constant).dispose();
        throw failure;
      }, [x], []),
    ).toThrow(failure);
    expect(tf.backend().numDataIds()).toBe(before);
    tf.dispose([x, constant]);
  });

  it('run names too few inputs, and one wrong input among right ones', () => {
    const x = tf.tensor1d([1, 2]);
    const y = tf.tensor2d([1, 2], [1, 2]);
    const { outputs, plan } = recordPlan(([a, b]) => [tf.add(a as tf.Tensor, b as tf.Tensor)], [x, y], []);
    tf.dispose(outputs);
    const run = (inputs: tf.Tensor[]): string => invalidArgumentMessage(() => planOf(plan).run(inputs));
    expect(run([x])).toBe('KernelPlan.run: inputs must be the recorded shapes and dtypes [float32 [2], float32 [1,2]], got [float32 [2]].');
    const wide = tf.zeros([1, 3]);
    expect(run([x, wide])).toBe('KernelPlan.run: inputs must be the recorded shapes and dtypes [float32 [2], float32 [1,2]], got [float32 [2], float32 [1,3]].');
    plan?.dispose();
    tf.dispose([x, y, wide]);
  });
});

describe('recordPlan on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('copies a constant with its shape and lets wasm’s Slice read its own input', () => {
    // wasm's Slice reads its input's values inside the kernel: not a read by the function.
    const constant = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const fn = ([x]: readonly tf.Tensor[]): tf.Tensor[] => [tf.mul(tf.slice(x as tf.Tensor, [0, 1], [2, 2]), tf.slice(constant, [0, 0], [2, 2]))];
    const x1 = tf.tensor2d([1, 1, 1, 1, 1, 1], [2, 3]);
    const recording = recordPlan(fn, [x1], []);
    expect(recording.refused).toBeNull();
    tf.dispose(recording.outputs);
    constant.dispose();
    const x2 = tf.tensor2d([0, 1, 2, 3, 4, 5], [2, 3]);
    const [replayed] = planOf(recording.plan).run([x2]);
    expect(Array.from((replayed as tf.Tensor).dataSync())).toEqual([1, 4, 16, 25]);
    replayed?.dispose();
    recording.plan?.dispose();
    tf.dispose([x1, x2]);
  });
});

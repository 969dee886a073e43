import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifier, cnnGenerator, type CnnTrunk, discriminator, discriminatorOutputs, imageOrPointNetworks, integratedDiscriminator, mlpGenerator, NETWORK_DEFAULTS, parameterCount, trainableVariables } from './index.js';

describe('builders with the paper’s defaults', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the Gaussian-mixture D*: 4 × 512 leaky ReLU MLP, heads of width d_c = 8 (Section 4.1)', () => {
    const d = integratedDiscriminator({ inputShape: [2], categories: 8 });
    // (2·512 + 512) + 3·(512·512 + 512) + 2·(512·8 + 8) = 1,536 + 787,968 + 8,208
    expect(parameterCount(d)).toBe(797_712);
    expect(d.countParams()).toBe(797_712);
    expect(d.outputs.map((output) => output.shape)).toEqual([
      [null, 8],
      [null, 8],
    ]);
    expect(d.layers.map((layer) => layer.getClassName())).toEqual([
      'InputLayer',
      ...Array.from({ length: 4 }, () => ['EqualizedDense', 'LeakyReLU']).flat(),
      'EqualizedDense',
      'EqualizedDense',
    ]);
    const x = tf.randomNormal([5, 2]);
    const { adversarial, logits } = discriminatorOutputs(d, x);
    expect([adversarial.shape, logits.shape]).toEqual([
      [5, 8],
      [5, 8],
    ]);
    expect(trainableVariables(d).map((variable) => variable.name.split('/').slice(-2).join('/'))).toEqual([
      'dense1/kernel',
      'dense1/bias',
      'dense3/kernel',
      'dense3/bias',
      'dense5/kernel',
      'dense5/bias',
      'dense7/kernel',
      'dense7/bias',
      'adversarial9/kernel',
      'adversarial9/bias',
      'logits10/kernel',
      'logits10/bias',
    ]);
    tf.dispose([x, adversarial, logits]);
    d.dispose();
  });

  it('the Gaussian-mixture G: concat(z, c) of width 16 + 8 → 4 × 512 → 2', () => {
    const g = mlpGenerator({ inputDim: 24, outputDim: 2 });
    // (24·512 + 512) + 3·(512·512 + 512) + (512·2 + 2) = 12,800 + 787,968 + 1,026
    expect(parameterCount(g)).toBe(801_794);
    const y = g.apply(tf.zeros([3, 24])) as tf.Tensor;
    expect(y.shape).toEqual([3, 2]);
    tf.dispose(y);
    g.dispose();
  });

  it('the MNIST networks: d_z = 128, d_c = 16, DCGAN-style CNNs (Section 4.2)', () => {
    const g = cnnGenerator({ inputDim: 128 + 16 });
    // dense 144 → 7·7·128: 144·6272 + 6272 = 909,440; deconv 4×4 128 → 64: 4·4·128·64 + 64 = 131,136;
    // deconv 4×4 64 → 1: 4·4·64·1 + 1 = 1,025. Total 1,041,601.
    expect(parameterCount(g)).toBe(1_041_601);
    const images = g.apply(tf.zeros([2, 144])) as tf.Tensor;
    expect(images.shape).toEqual([2, 28, 28, 1]);
    const [low, high] = [tf.min(images).dataSync()[0] as number, tf.max(images).dataSync()[0] as number];
    expect(low).toBeGreaterThanOrEqual(-1);
    expect(high).toBeLessThanOrEqual(1);
    // A large input saturates the tanh: pixels near ±1 and none beyond (a linear output would pass 1).
    const loud = tf.tidy(() => g.apply(tf.mul(createRandom(4).normal([2, 144]), 1e4)) as tf.Tensor);
    const extreme = tf.tidy(() => tf.max(tf.abs(loud)).dataSync()[0] as number);
    expect(extreme).toBeLessThanOrEqual(1);
    expect(extreme).toBeGreaterThan(0.999);
    loud.dispose();
    const d = integratedDiscriminator({ inputShape: [28, 28, 1], categories: 16 });
    // conv 4×4 1 → 64: 1,088; conv 4×4 64 → 128: 131,200; heads 7·7·128 = 6,272 → 16: 100,368 each. Total 333,024.
    expect(parameterCount(d)).toBe(333_024);
    const { adversarial, logits } = discriminatorOutputs(d, images);
    expect([adversarial.shape, logits.shape]).toEqual([
      [2, 16],
      [2, 16],
    ]);
    tf.dispose([images, adversarial, logits]);
    g.dispose();
    d.dispose();
  });

  it('the baselines’ plain discriminator (one logit) and classifier (d_c logits)', () => {
    const plain = discriminator({ inputShape: [2], trunk: { kind: 'mlp', units: 32, layers: 2 } });
    // (2·32 + 32) + (32·32 + 32) + (32 + 1) = 96 + 1,056 + 33
    expect(parameterCount(plain)).toBe(1_185);
    expect(plain.outputs[0]?.shape).toEqual([null, 1]);
    const q = classifier({ inputShape: [8, 8, 1], categories: 4, trunk: { kind: 'cnn', channels: [4], kernelSize: 3 } });
    // conv 3×3 1 → 4: 40; 4·4·4 = 64 features → 4 logits: 260.
    expect(parameterCount(q)).toBe(300);
    expect(q.outputs[0]?.shape).toEqual([null, 4]);
    plain.dispose();
    q.dispose();
  });

  it('one seed builds the same network; another seed a different one', () => {
    const first = (seed: number): number[] => {
      const model = mlpGenerator({ inputDim: 3, outputDim: 2, units: 8, layers: 1, seed, name: `g${seed}${Math.random()}` });
      const values = Array.from(trainableVariables(model)[0]?.dataSync() ?? []);
      model.dispose();
      return values;
    };
    expect(first(5)).toEqual(first(5));
    expect(first(6)).not.toEqual(first(5));
  });

  it('checks the input of a model call and the builders’ options', () => {
    const d = integratedDiscriminator({ inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 4, layers: 1 } });
    expect(invalidArgumentMessage(() => discriminatorOutputs(d, tf.zeros([5, 3])))).toBe(
      "discriminator.apply: x must be of shape [batch, 2] (the model's input), got shape [5, 3].",
    );
    const g = mlpGenerator({ inputDim: 3, outputDim: 2, units: 4, layers: 1 });
    expect(invalidArgumentMessage(() => discriminatorOutputs(g, tf.zeros([5, 3])))).toBe(
      'discriminatorOutputs: model must be an integrated D* with outputs [adversarial, logits], got one output.',
    );
    expect(invalidArgumentMessage(() => integratedDiscriminator({ inputShape: [28, 28, 1], categories: 3, trunk: { kind: 'mlp' } }))).toBe(
      "integratedDiscriminator: options.inputShape must be [features] for an 'mlp' trunk, got [28,28,1].",
    );
    expect(invalidArgumentMessage(() => integratedDiscriminator({ inputShape: [2], categories: 0 }))).toBe('integratedDiscriminator: options.categories must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => cnnGenerator({ inputDim: 10, outputShape: [30, 30, 1] }))).toBe(
      'cnnGenerator: options.outputShape must be height and width divisible by 2^2 = 4 (one halving per entry of options.channels), got [30,30,1].',
    );
    expect(invalidArgumentMessage(() => mlpGenerator({ inputDim: 3, outputDim: 2, leakyAlpha: 1 }))).toBe('mlpGenerator: options.leakyAlpha must be a number in [0, 1), got 1.');
    d.dispose();
    g.dispose();
  });

  it('puts leaky ReLU 0.2 (Section 4.1) after every hidden layer of every builder, and honours leakyAlpha', () => {
    const slopes = (model: { layers: { getClassName(): string; getConfig(): Record<string, unknown> }[] }): unknown[] =>
      model.layers.filter((layer) => layer.getClassName() === 'LeakyReLU').map((layer) => layer.getConfig()['alpha']);
    const mlp = { kind: 'mlp', units: 8, layers: 3 } as const;
    const cnn = { kind: 'cnn', channels: [4, 8] } as const;
    const models = [
      integratedDiscriminator({ inputShape: [2], categories: 3, trunk: mlp }),
      integratedDiscriminator({ inputShape: [28, 28, 1], categories: 3, trunk: cnn }),
      discriminator({ inputShape: [2], trunk: mlp }),
      classifier({ inputShape: [2], categories: 3, trunk: mlp }),
      mlpGenerator({ inputDim: 5, outputDim: 2, units: 8, layers: 3 }),
      cnnGenerator({ inputDim: 5, outputShape: [28, 28, 1], channels: [8, 4] }),
    ];
    expect(models.map(slopes)).toEqual([[0.2, 0.2, 0.2], [0.2, 0.2], [0.2, 0.2, 0.2], [0.2, 0.2, 0.2], [0.2, 0.2, 0.2], [0.2, 0.2]]);
    // The slope acts: on a negative pre-activation the layer passes 0.2 of it.
    const layer = models[0]?.layers.find((candidate) => candidate.getClassName() === 'LeakyReLU') as unknown as { apply(x: tf.Tensor): tf.Tensor };
    const out = layer.apply(tf.tensor1d([-5, 3]));
    expect(Array.from(out.dataSync())).toEqual([Math.fround(-1), 3]);
    const custom = mlpGenerator({ inputDim: 5, outputDim: 2, units: 8, layers: 2, leakyAlpha: 0.1 });
    expect(slopes(custom)).toEqual([0.1, 0.1]);
    tf.dispose(out);
    for (const model of [...models, custom]) model.dispose();
  });

  it('leaves no tensor behind when applied 100 times', () => {
    const d = integratedDiscriminator({ inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 8, layers: 2 } });
    const x = createRandom(1).normal([4, 2]);
    tf.dispose(discriminatorOutputs(d, x) as unknown as tf.Tensor[]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const { adversarial, logits } = discriminatorOutputs(d, x);
      tf.dispose([adversarial, logits]);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    d.dispose();
  });
});

describe('builders beyond the paper: DCGAN initialisation, hidden layers, ReLU generators (InfoGAN’s MNIST networks)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('plain layers hold N(0, 0.02²) weights and apply them unscaled; equalized layers keep N(0, 1) and the run-time scale', () => {
    const plain = integratedDiscriminator({ inputShape: [28, 28, 1], categories: 10, trunk: { kind: 'cnn', channels: [64, 128], hidden: [1024] }, initialization: 'dcgan', seed: 1 });
    const equalized = integratedDiscriminator({ inputShape: [28, 28, 1], categories: 10, trunk: { kind: 'cnn', channels: [64, 128], hidden: [1024] }, seed: 1 });
    const std = (model: typeof plain, index: number): number => tf.tidy(() => Math.sqrt(tf.moments(trainableVariables(model)[index] as tf.Variable).variance.dataSync()[0] as number));
    // The 6,272 × 1,024 hidden kernel: 6.4 million draws, so the std is within 1%.
    expect(std(plain, 4)).toBeCloseTo(0.02, 3);
    expect(std(equalized, 4)).toBeCloseTo(1, 2);
    expect(plain.layers.map((layer) => layer.getClassName())).toEqual(['InputLayer', 'EqualizedConv2D', 'LeakyReLU', 'EqualizedConv2D', 'LeakyReLU', 'Flatten', 'EqualizedDense', 'LeakyReLU', 'EqualizedDense', 'EqualizedDense']);
    // Unscaled: the dense layer's output is x·W + b with the stored W itself.
    const layer = plain.layers[6] as unknown as { runtimeScale: number; getConfig(): Record<string, unknown> };
    expect(layer.runtimeScale).toBe(1);
    expect(layer.getConfig()).toMatchObject({ scaling: 'none', initStd: 0.02 });
    expect((equalized.layers[6] as unknown as { getConfig(): Record<string, unknown> }).getConfig()).not.toHaveProperty('scaling');
    plain.dispose();
    equalized.dispose();
  });

  it('InfoGAN’s MNIST G: FC 1024, FC 7 × 7 × 128, deconvolutions 64 and 1, ReLU between, tanh out', () => {
    const g = cnnGenerator({ inputDim: 74, channels: [128, 64], hidden: [1024], activation: 'relu', initialization: 'dcgan', seed: 2 });
    expect(g.layers.map((layer) => layer.getClassName())).toEqual(['InputLayer', 'EqualizedDense', 'ReLU', 'EqualizedDense', 'ReLU', 'Reshape', 'EqualizedConv2DTranspose', 'ReLU', 'EqualizedConv2DTranspose', 'Activation']);
    // (74·1024 + 1024) + (1024·6272 + 6272) + (4·4·64·128 + 64) + (4·4·1·64 + 1)
    expect(parameterCount(g)).toBe(76_800 + 6_428_800 + 131_136 + 1_025);
    const x = g.predict(tf.zeros([2, 74])) as tf.Tensor;
    expect(x.shape).toEqual([2, 28, 28, 1]);
    tf.dispose([x]);
    g.dispose();
  });

  it('refuses an unknown initialisation or activation, and bad hidden layers', () => {
    expect(invalidArgumentMessage(() => cnnGenerator({ inputDim: 4, initialization: 'xavier' as 'dcgan' }))).toBe(`cnnGenerator: options.initialization must be 'equalized' or 'dcgan', got "xavier".`);
    expect(invalidArgumentMessage(() => cnnGenerator({ inputDim: 4, activation: 'gelu' as 'relu' }))).toBe(`cnnGenerator: options.activation must be 'leaky' or 'relu', got "gelu".`);
    expect(invalidArgumentMessage(() => cnnGenerator({ inputDim: 4, hidden: [0] }))).toBe('cnnGenerator: options.hidden must be a non-empty array of positive integers, got [0].');
    expect(invalidArgumentMessage(() => integratedDiscriminator({ inputShape: [8, 8, 1], categories: 2, trunk: { kind: 'cnn', hidden: [1.5] } }))).toBe(
      'integratedDiscriminator: options.trunk.hidden must be a non-empty array of positive integers, got [1.5].',
    );
  });

  it('a normalized CNN trunk: a normalization after every convolution but the first and after every hidden layer, none in the default; unknown kinds refused', () => {
    const kinds = (trunk: CnnTrunk): string[] => {
      const D = integratedDiscriminator({ inputShape: [8, 8, 1], categories: 2, trunk, name: `norm-${trunk.normalization ?? 'default'}` });
      const names = D.layers.map((layer) => layer.getClassName());
      D.dispose();
      return names;
    };
    const trunk = { kind: 'cnn', channels: [2, 3, 4], kernelSize: 3, hidden: [5, 6] } as const;
    const layered = kinds({ ...trunk, normalization: 'layer' });
    expect(layered.filter((name) => name === 'SampleNormalization')).toHaveLength(4);
    // The first convolution is followed by its activation directly, as in DCGAN's D.
    expect(layered.slice(0, 4)).toEqual(['InputLayer', 'EqualizedConv2D', 'LeakyReLU', 'EqualizedConv2D']);
    expect(layered[4]).toBe('SampleNormalization');
    expect(kinds({ ...trunk, normalization: 'batch' }).filter((name) => name === 'BatchStatisticsNormalization')).toHaveLength(4);
    expect(kinds(trunk).filter((name) => name.endsWith('Normalization'))).toEqual([]);
    expect(invalidArgumentMessage(() => integratedDiscriminator({ inputShape: [8, 8, 1], categories: 2, trunk: { ...trunk, normalization: 'group' as 'layer' } }))).toBe(
      `integratedDiscriminator: options.trunk.normalization must be 'none' or 'batch' or 'layer', got "group".`,
    );
    expect(invalidArgumentMessage(() => cnnGenerator({ inputDim: 4, normalization: 'layer' as 'batch' }))).toBe(`cnnGenerator: options.normalization must be 'none' or 'batch', got "layer".`);
  });

  it('imageOrPointNetworks: the image options for images; for points the paper’s values or one clear refusal', () => {
    const sizes = { units: 8, layers: 2, channels: [4, 8] };
    expect(imageOrPointNetworks('r', false, { ...NETWORK_DEFAULTS, ...sizes, initialization: 'dcgan' })).toEqual({ trunk: { kind: 'mlp', units: 8, layers: 2 }, generator: { initialization: 'dcgan' } });
    expect(imageOrPointNetworks('r', true, { ...NETWORK_DEFAULTS, ...sizes, discriminatorHidden: [16], generatorNormalization: 'batch', discriminatorNormalization: 'layer' })).toEqual({
      trunk: { kind: 'cnn', channels: [4, 8], hidden: [16], normalization: 'layer' },
      generator: { hidden: [], activation: 'leaky', initialization: 'equalized', normalization: 'batch' },
    });
    expect(invalidArgumentMessage(() => imageOrPointNetworks('r', false, { ...NETWORK_DEFAULTS, ...sizes, generatorHidden: [16] }))).toBe('r: options.generatorHidden must be [] for point data (it shapes the image CNNs), got [16].');
    expect(invalidArgumentMessage(() => imageOrPointNetworks('r', false, { ...NETWORK_DEFAULTS, ...sizes, generatorNormalization: 'batch' }))).toBe('r: options.generatorNormalization must be "none" for point data (it shapes the image CNNs), got "batch".');
    expect(invalidArgumentMessage(() => imageOrPointNetworks('r', false, { ...NETWORK_DEFAULTS, ...sizes, discriminatorNormalization: 'batch' }))).toBe('r: options.discriminatorNormalization must be "none" for point data (it shapes the image CNNs), got "batch".');
  });
});

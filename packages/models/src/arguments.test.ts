import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as models from './index.js';

// The cases pass what a user's JavaScript could pass: wrong types on purpose, so the
// package is called untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const M = models as any;
const small = { inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 4, layers: 1 } };

// Every argument check of the package, with the one line a user reads: the function, the
// argument, what was expected and what came (the messages are the interface).
describe('models: every mistake gets its own line', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const cases: [string, () => unknown, string][] = [
    ["integratedDiscriminator inputShape []", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [] }), "integratedDiscriminator: options.inputShape must be a non-empty array of positive integers, got []."],
    ["integratedDiscriminator inputShape [0]", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [0] }), "integratedDiscriminator: options.inputShape must be a non-empty array of positive integers, got [0]."],
    ["integratedDiscriminator inputShape [2.5]", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [2.5] }), "integratedDiscriminator: options.inputShape must be a non-empty array of positive integers, got [2.5]."],
    ["integratedDiscriminator inputShape 2", (): unknown => M.integratedDiscriminator({ ...small, inputShape: 2 }), "integratedDiscriminator: options.inputShape must be a non-empty array of positive integers, got 2."],
    ["integratedDiscriminator categories 0", (): unknown => M.integratedDiscriminator({ ...small, categories: 0 }), "integratedDiscriminator: options.categories must be an integer >= 1, got 0."],
    ["integratedDiscriminator categories \"3\"", (): unknown => M.integratedDiscriminator({ ...small, categories: '3' }), "integratedDiscriminator: options.categories must be an integer >= 1, got \"3\"."],
    ["integratedDiscriminator adversarialWidth 0", (): unknown => M.integratedDiscriminator({ ...small, adversarialWidth: 0 }), "integratedDiscriminator: options.adversarialWidth must be an integer >= 1, got 0."],
    ["integratedDiscriminator leakyAlpha 1", (): unknown => M.integratedDiscriminator({ ...small, leakyAlpha: 1 }), "integratedDiscriminator: options.leakyAlpha must be a number in [0, 1), got 1."],
    ["integratedDiscriminator leakyAlpha -0.1", (): unknown => M.integratedDiscriminator({ ...small, leakyAlpha: -0.1 }), "integratedDiscriminator: options.leakyAlpha must be a number in [0, 1), got -0.1."],
    ["integratedDiscriminator leakyAlpha NaN", (): unknown => M.integratedDiscriminator({ ...small, leakyAlpha: Number.NaN }), "integratedDiscriminator: options.leakyAlpha must be a number in [0, 1), got NaN."],
    ["integratedDiscriminator leakyAlpha \"0.2\"", (): unknown => M.integratedDiscriminator({ ...small, leakyAlpha: '0.2' }), "integratedDiscriminator: options.leakyAlpha must be a number in [0, 1), got \"0.2\"."],
    ["integratedDiscriminator seed -1", (): unknown => M.integratedDiscriminator({ ...small, seed: -1 }), "integratedDiscriminator: options.seed must be an integer >= 0, got -1."],
    ["integratedDiscriminator seed 0.5", (): unknown => M.integratedDiscriminator({ ...small, seed: 0.5 }), "integratedDiscriminator: options.seed must be an integer >= 0, got 0.5."],
    ["integratedDiscriminator mlp on images", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [4, 4, 1] }), "integratedDiscriminator: options.inputShape must be [features] for an 'mlp' trunk, got [4,4,1]."],
    ["integratedDiscriminator cnn on points", (): unknown => M.integratedDiscriminator({ ...small, trunk: { kind: 'cnn' } }), "integratedDiscriminator: options.inputShape must be [height, width, channels] for a 'cnn' trunk, got [2]."],
    ["integratedDiscriminator trunk kind rnn", (): unknown => M.integratedDiscriminator({ ...small, trunk: { kind: 'rnn' } }), "integratedDiscriminator: options.trunk.kind must be 'mlp' or 'cnn', got \"rnn\"."],
    ["integratedDiscriminator trunk units 0", (): unknown => M.integratedDiscriminator({ ...small, trunk: { kind: 'mlp', units: 0 } }), "integratedDiscriminator: options.trunk.units must be an integer >= 1, got 0."],
    ["integratedDiscriminator trunk layers 1.5", (): unknown => M.integratedDiscriminator({ ...small, trunk: { kind: 'mlp', layers: 1.5 } }), "integratedDiscriminator: options.trunk.layers must be an integer >= 1, got 1.5."],
    ["integratedDiscriminator trunk kernelSize 0", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [4, 4, 1], trunk: { kind: 'cnn', kernelSize: 0 } }), "integratedDiscriminator: options.trunk.kernelSize must be an integer >= 1, got 0."],
    ["integratedDiscriminator trunk channels [8, 0]", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [4, 4, 1], trunk: { kind: 'cnn', channels: [8, 0] } }), "integratedDiscriminator: options.trunk.channels must be a non-empty array of positive integers, got [8,0]."],
    ["integratedDiscriminator trunk channels 8", (): unknown => M.integratedDiscriminator({ ...small, inputShape: [4, 4, 1], trunk: { kind: 'cnn', channels: 8 } }), "integratedDiscriminator: options.trunk.channels must be a non-empty array of positive integers, got 8."],
    ["discriminator outputWidth 0", (): unknown => M.discriminator({ inputShape: [2], outputWidth: 0 }), "discriminator: options.outputWidth must be an integer >= 1, got 0."],
    ["discriminator inputShape missing", (): unknown => M.discriminator({}), "discriminator: options.inputShape must be a non-empty array of positive integers, got undefined."],
    ["discriminator leakyAlpha 2", (): unknown => M.discriminator({ inputShape: [2], leakyAlpha: 2 }), "discriminator: options.leakyAlpha must be a number in [0, 1), got 2."],
    ["classifier categories 1.5", (): unknown => M.classifier({ inputShape: [2], categories: 1.5 }), "classifier: options.categories must be an integer >= 1, got 1.5."],
    ["classifier inputShape [2, 0]", (): unknown => M.classifier({ inputShape: [2, 0], categories: 2 }), "classifier: options.inputShape must be a non-empty array of positive integers, got [2,0]."],
    ["classifier seed \"1\"", (): unknown => M.classifier({ inputShape: [2], categories: 2, seed: '1' }), "classifier: options.seed must be an integer >= 0, got \"1\"."],
    ["mlpGenerator inputDim 0", (): unknown => M.mlpGenerator({ inputDim: 0, outputDim: 2 }), "mlpGenerator: options.inputDim must be an integer >= 1, got 0."],
    ["mlpGenerator outputDim missing", (): unknown => M.mlpGenerator({ inputDim: 3 }), "mlpGenerator: options.outputDim must be an integer >= 1, got undefined."],
    ["mlpGenerator units -4", (): unknown => M.mlpGenerator({ inputDim: 3, outputDim: 2, units: -4 }), "mlpGenerator: options.units must be an integer >= 1, got -4."],
    ["mlpGenerator layers 0", (): unknown => M.mlpGenerator({ inputDim: 3, outputDim: 2, layers: 0 }), "mlpGenerator: options.layers must be an integer >= 1, got 0."],
    ["mlpGenerator outputActivation sigmoid", (): unknown => M.mlpGenerator({ inputDim: 3, outputDim: 2, units: 4, layers: 1, outputActivation: 'sigmoid' }), "mlpGenerator: options.outputActivation must be 'linear' or 'tanh', got \"sigmoid\"."],
    ["mlpGenerator leakyAlpha 1.5", (): unknown => M.mlpGenerator({ inputDim: 3, outputDim: 2, leakyAlpha: 1.5 }), "mlpGenerator: options.leakyAlpha must be a number in [0, 1), got 1.5."],
    ["cnnGenerator inputDim 2.5", (): unknown => M.cnnGenerator({ inputDim: 2.5 }), "cnnGenerator: options.inputDim must be an integer >= 1, got 2.5."],
    ["cnnGenerator outputShape [28, 28]", (): unknown => M.cnnGenerator({ inputDim: 4, outputShape: [28, 28] }), "cnnGenerator: options.outputShape must be [height, width, channels], got [28,28]."],
    ["cnnGenerator outputShape [28, 0, 1]", (): unknown => M.cnnGenerator({ inputDim: 4, outputShape: [28, 0, 1] }), "cnnGenerator: options.outputShape must be a non-empty array of positive integers, got [28,0,1]."],
    ["cnnGenerator outputShape 28", (): unknown => M.cnnGenerator({ inputDim: 4, outputShape: 28 }), "cnnGenerator: options.outputShape must be a non-empty array of positive integers, got 28."],
    ["cnnGenerator channels []", (): unknown => M.cnnGenerator({ inputDim: 4, channels: [] }), "cnnGenerator: options.channels must be a non-empty array of positive integers, got []."],
    ["cnnGenerator channels [8, -1]", (): unknown => M.cnnGenerator({ inputDim: 4, channels: [8, -1] }), "cnnGenerator: options.channels must be a non-empty array of positive integers, got [8,-1]."],
    ["cnnGenerator channels 8", (): unknown => M.cnnGenerator({ inputDim: 4, channels: 8 }), "cnnGenerator: options.channels must be a non-empty array of positive integers, got 8."],
    ["cnnGenerator kernelSize 0", (): unknown => M.cnnGenerator({ inputDim: 4, kernelSize: 0 }), "cnnGenerator: options.kernelSize must be an integer >= 1, got 0."],
    ["cnnGenerator height not divisible", (): unknown => M.cnnGenerator({ inputDim: 4, outputShape: [30, 28, 1] }), "cnnGenerator: options.outputShape must be height and width divisible by 2^2 = 4 (one halving per entry of options.channels), got [30,28,1]."],
    ["cnnGenerator width not divisible", (): unknown => M.cnnGenerator({ inputDim: 4, outputShape: [28, 30, 1] }), "cnnGenerator: options.outputShape must be height and width divisible by 2^2 = 4 (one halving per entry of options.channels), got [28,30,1]."],
    ["cnnGenerator three halvings of 28", (): unknown => M.cnnGenerator({ inputDim: 4, channels: [8, 8, 8] }), "cnnGenerator: options.outputShape must be height and width divisible by 2^3 = 8 (one halving per entry of options.channels), got [28,28,1]."],
    ["EqualizedDense units 0", (): unknown => new M.EqualizedDense({ units: 0 }), "EqualizedDense: units must be an integer >= 1, got 0."],
    ["EqualizedDense units 1.5", (): unknown => new M.EqualizedDense({ units: 1.5 }), "EqualizedDense: units must be an integer >= 1, got 1.5."],
    ["EqualizedDense gain 0", (): unknown => new M.EqualizedDense({ units: 2, gain: 0 }), "EqualizedDense: gain must be a finite number > 0, got 0."],
    ["EqualizedDense gain Infinity", (): unknown => new M.EqualizedDense({ units: 2, gain: Number.POSITIVE_INFINITY }), "EqualizedDense: gain must be a finite number > 0, got Infinity."],
    ["EqualizedDense gain \"2\"", (): unknown => new M.EqualizedDense({ units: 2, gain: '2' }), "EqualizedDense: gain must be a finite number > 0, got \"2\"."],
    ["EqualizedDense on images", (): unknown => new M.EqualizedDense({ units: 2, name: 'd' }).apply(tfl.input({ shape: [4, 4, 1] })), "EqualizedDense 'd': input shape must be [batch, features], got [null,4,4,1]."],
    ["EqualizedDense on unknown features", (): unknown => new M.EqualizedDense({ units: 2, name: 'd' }).apply(tfl.input({ shape: [null] })), "EqualizedDense 'd': input shape must be [batch, features], got [null,null]."],
    ["EqualizedConv2D filters 0", (): unknown => new M.EqualizedConv2D({ filters: 0, kernelSize: 3 }), "EqualizedConv2D: filters must be an integer >= 1, got 0."],
    ["EqualizedConv2D kernelSize 0", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: 0 }), "EqualizedConv2D: kernelSize must be an integer >= 1, got 0."],
    ["EqualizedConv2D kernelSize [3, 0]", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: [3, 0] }), "EqualizedConv2D: kernelSize must be an integer >= 1, got 0."],
    ["EqualizedConv2D strides 0", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: 3, strides: 0 }), "EqualizedConv2D: strides must be an integer >= 1, got 0."],
    ["EqualizedConv2D padding causal", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: 3, padding: 'causal' }), "EqualizedConv2D: padding must be 'same' or 'valid', got \"causal\"."],
    ["EqualizedConv2D gain -1", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: 3, gain: -1 }), "EqualizedConv2D: gain must be a finite number > 0, got -1."],
    ["EqualizedConv2D on points", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: 3, name: 'c' }).apply(tfl.input({ shape: [5] })), "EqualizedConv2D 'c': input shape must be [batch, height, width, channels] (channels last, channels known), got [null,5]."],
    ["EqualizedConv2D unknown channels", (): unknown => new M.EqualizedConv2D({ filters: 2, kernelSize: 3, name: 'c' }).apply(tfl.input({ shape: [4, 4, null] })), "EqualizedConv2D 'c': input shape must be [batch, height, width, channels] (channels last, channels known), got [null,4,4,null]."],
    ["EqualizedConv2DTranspose filters 1.5", (): unknown => new M.EqualizedConv2DTranspose({ filters: 1.5, kernelSize: 3 }), "EqualizedConv2DTranspose: filters must be an integer >= 1, got 1.5."],
    ["EqualizedConv2DTranspose padding full", (): unknown => new M.EqualizedConv2DTranspose({ filters: 2, kernelSize: 3, padding: 'full' }), "EqualizedConv2DTranspose: padding must be 'same' or 'valid', got \"full\"."],
    ["EqualizedConv2DTranspose on points", (): unknown => new M.EqualizedConv2DTranspose({ filters: 2, kernelSize: 3, name: 't' }).apply(tfl.input({ shape: [5] })), "EqualizedConv2DTranspose 't': input shape must be [batch, height, width, channels] (channels last, channels known), got [null,5]."],
    ["applyModel x a number", (): unknown => M.applyModel(M.discriminator({ inputShape: [2], name: 'disc', trunk: { kind: 'mlp', units: 4, layers: 1 } }), 3), "disc.apply: x must be a tf.Tensor, got number."],
    ["applyModel x [3, 3]", (): unknown => M.applyModel(M.discriminator({ inputShape: [2], name: 'disc', trunk: { kind: 'mlp', units: 4, layers: 1 } }), tf.zeros([3, 3])), "disc.apply: x must be of shape [batch, 2] (the model's input), got shape [3, 3]."],
    ["applyModel x [3]", (): unknown => M.applyModel(M.discriminator({ inputShape: [2], name: 'disc', trunk: { kind: 'mlp', units: 4, layers: 1 } }), tf.zeros([3])), "disc.apply: x must be of shape [batch, 2] (the model's input), got shape [3]."],
    ["applyModel images [2, 4, 5, 1]", (): unknown => M.applyModel(M.discriminator({ inputShape: [4, 4, 1], name: 'cnn', trunk: { kind: 'cnn', channels: [2] } }), tf.zeros([2, 4, 5, 1])), "cnn.apply: x must be of shape [batch, 4, 4, 1] (the model's input), got shape [2, 4, 5, 1]."],
    ["discriminatorOutputs plain D", (): unknown => M.discriminatorOutputs(M.discriminator({ inputShape: [2], name: 'plain', trunk: { kind: 'mlp', units: 4, layers: 1 } }), tf.zeros([3, 2])), "discriminatorOutputs: model must be an integrated D* with outputs [adversarial, logits], got one output."],
  ];

  it.each(cases.map(([name], index) => [name, index] as const))('%s', (_, index) => {
    const [, thunk, message] = cases[index] as [string, () => unknown, string];
    expect(invalidArgumentMessage(thunk)).toBe(message);
  });
});

describe('models: names, options at their edges, and the paths the other tests do not take', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names every network and layer after the builder, in order, when no name is given', () => {
    const built = [
      models.discriminator({ inputShape: [2], trunk: { kind: 'mlp', units: 4, layers: 2 } }),
      models.classifier({ inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 4, layers: 1 } }),
      models.mlpGenerator({ inputDim: 3, outputDim: 2, units: 4, layers: 1 }),
      models.cnnGenerator({ inputDim: 3, outputShape: [8, 8, 1], channels: [4, 2] }),
      models.integratedDiscriminator({ inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 4, layers: 1 } }),
    ];
    expect(built.map((model) => [model.name, ...model.layers.map((layer) => layer.name)].join(' '))).toEqual([
      'discriminator discriminator/x discriminator/dense1 discriminator/leaky2 discriminator/dense3 discriminator/leaky4 discriminator/logit5',
      'classifier classifier/x classifier/dense1 classifier/leaky2 classifier/logits3',
      'generator generator/input generator/dense1 generator/leaky2 generator/dense3',
      'generator generator/input generator/dense1 generator/leaky2 generator/reshape3 generator/deconv4 generator/leaky5 generator/deconv6 generator/tanh7',
      'discriminator discriminator/x discriminator/dense1 discriminator/leaky2 discriminator/adversarial3 discriminator/logits4',
    ]);
    for (const model of built) model.dispose();
  });

  it("an MLP generator's 'tanh' output is tanh of the 'linear' one from the same seed", () => {
    const linear = models.mlpGenerator({ inputDim: 3, outputDim: 2, units: 4, layers: 1, seed: 5 });
    const bounded = models.mlpGenerator({ inputDim: 3, outputDim: 2, units: 4, layers: 1, seed: 5, outputActivation: 'tanh' });
    const [plain, squashed] = tf.tidy(() => {
      const z = tf.mul(tf.tensor2d([[1, -2, 3], [4, 0.5, -6]]), 10);
      return [tf.tanh(linear.apply(z) as tf.Tensor), bounded.apply(z) as tf.Tensor].map((tensor) => Array.from(tensor.dataSync()));
    });
    expect(squashed).toEqual(plain);
    expect((squashed as number[]).every((value) => Math.abs(value) <= 1)).toBe(true);
    linear.dispose();
    bounded.dispose();
  });

  it('a leaky slope of 0 is allowed (a plain ReLU)', () => {
    const model = models.discriminator({ inputShape: [2], leakyAlpha: 0, trunk: { kind: 'mlp', units: 4, layers: 1 } });
    expect(model.layers.some((layer) => layer.name.includes('leaky'))).toBe(true);
    model.dispose();
  });

  it('a dense layer without bias has one weight and computes c·xW', () => {
    const layer = new models.EqualizedDense({ units: 2, useBias: false, seed: 1, gain: 1, name: 'nobias' });
    const y = tf.tidy(() => Array.from((layer.apply(tf.tensor2d([[1, 2, 3, 4]])) as tf.Tensor).dataSync()));
    expect(layer.trainableWeights).toHaveLength(1);
    const kernel = tf.tidy(() => (layer.trainableWeights[0]?.read() as tf.Tensor).arraySync() as number[][]);
    // c = gain/√fan_in = 1/2.
    const expected = [0, 1].map((j) => 0.5 * [1, 2, 3, 4].reduce((sum, x, i) => sum + x * (kernel[i]?.[j] as number), 0));
    y.forEach((value, j) => expect(value).toBeCloseTo(expected[j] as number, 5));
    layer.dispose();
  });

  it('applyModel checks the rank, and discriminatorOutputs counts the outputs', () => {
    const plain = models.discriminator({ inputShape: [2], name: 'plain', trunk: { kind: 'mlp', units: 4, layers: 1 } });
    expect(invalidArgumentMessage(() => models.applyModel(plain, tf.zeros([3, 2, 1])))).toBe("plain.apply: x must be of shape [batch, 2] (the model's input), got shape [3, 2, 1].");
    const input = tfl.input({ shape: [2] });
    const three = tfl.model({ inputs: input, outputs: [0, 1, 2].map(() => tfl.layers.dense({ units: 1 }).apply(input) as tfl.SymbolicTensor), name: 'three' });
    expect(invalidArgumentMessage(() => models.discriminatorOutputs(three, tf.zeros([1, 2])))).toBe('discriminatorOutputs: model must be an integrated D* with outputs [adversarial, logits], got 3 outputs.');
    plain.dispose();
    three.dispose();
  });
});

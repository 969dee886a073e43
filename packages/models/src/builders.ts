import * as tfl from '@tensorflow/tfjs-layers';
import { createRandom, describeValue, InvalidArgumentError, type Random } from '@gantry/backend';
import { EqualizedConv2D, EqualizedConv2DTranspose, EqualizedDense } from './equalized.js';
import { BatchStatisticsNormalization, SampleNormalization } from './normalization.js';

type Symbolic = tfl.SymbolicTensor;

/** A fully connected trunk: the paper's Gaussian-mixture networks (Section 4.1). */
export interface MlpTrunk {
  readonly kind: 'mlp';
  /** Units per hidden layer. Default 512. */
  readonly units?: number;
  /** Hidden layers. Default 4. */
  readonly layers?: number;
}

/** A DCGAN-style convolutional trunk: strided convolutions, each halving the image (Section 4.2). */
export interface CnnTrunk {
  readonly kind: 'cnn';
  /** Filters per convolution, in order. Default [64, 128]: 28×28 → 14×14 → 7×7. */
  readonly channels?: readonly number[];
  /** Default 4. */
  readonly kernelSize?: number;
  /**
   * Fully connected hidden layers after the convolutions, before the heads. Default none;
   * InfoGAN's MNIST D has one of 1024 units (Chen et al. 2016, Appendix C.1).
   */
  readonly hidden?: readonly number[];
  /**
   * Normalization before the activation of every convolution but the first and of every
   * hidden layer, as in DCGAN's and InfoGAN's D. `'none'` (the default, the paper's);
   * `'batch'`: {@link BatchStatisticsNormalization} (it couples the samples of a batch);
   * `'layer'`: {@link SampleNormalization} (per sample, safe under R1 and Eq. 6).
   */
  readonly normalization?: 'none' | 'batch' | 'layer';
}

/** Options every builder shares. */
export interface NetworkOptions {
  /** Leaky ReLU slope. Default 0.2 (Section 4.1). */
  readonly leakyAlpha?: number;
  /** Seed of the weight initialisation: one seed, the same network on every backend. Default 0. */
  readonly seed?: number;
  /** The model's name (prefix of its layers' names). */
  readonly name?: string;
  /**
   * `'equalized'` (the default, the paper's Section 4): equalized learning rate in every
   * layer (N(0, 1) weights scaled by gain/√fan_in at run time). `'dcgan'`: plain layers
   * with N(0, 0.02²) weights, DCGAN's and InfoGAN's initialisation (Radford et al. 2016).
   */
  readonly initialization?: 'equalized' | 'dcgan';
}

function integer(caller: string, argument: string, value: unknown, min = 1): number {
  // Stryker disable next-line ConditionalExpression: equivalent: Number.isInteger is false for every non-number, with the same message.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidArgumentError(caller, argument, `an integer >= ${min}`, describeValue(value));
  return value;
}

function shapeOf(caller: string, argument: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new InvalidArgumentError(caller, argument, 'a non-empty array of positive integers', JSON.stringify(value));
  }
  return [...(value as number[])];
}

/** Builds layers with names and seeds drawn in order, so one seed gives one network. */
class LayerFactory {
  private readonly random: Random;
  private count = 0;

  constructor(
    private readonly prefix: string,
    seed: number,
    private readonly leakyAlpha: number,
    private readonly initialization: 'equalized' | 'dcgan' = 'equalized',
  ) {
    this.random = createRandom(seed);
  }

  private next(kind: string): { name: string; seed: number; scaling?: 'none' } {
    this.count += 1;
    return { name: `${this.prefix}/${kind}${this.count}`, seed: this.random.nextSeed(), ...(this.initialization === 'dcgan' ? { scaling: 'none' as const } : {}) };
  }

  dense(x: Symbolic, units: number, gain?: number, kind = 'dense'): Symbolic {
    return new EqualizedDense({ units, ...this.next(kind), ...(gain === undefined ? {} : { gain }) }).apply(x) as Symbolic;
  }

  conv(x: Symbolic, filters: number, kernelSize: number, strides: number): Symbolic {
    return new EqualizedConv2D({ filters, kernelSize, strides, padding: 'same', ...this.next('conv') }).apply(x) as Symbolic;
  }

  convTranspose(x: Symbolic, filters: number, kernelSize: number, strides: number, gain?: number): Symbolic {
    return new EqualizedConv2DTranspose({ filters, kernelSize, strides, padding: 'same', ...this.next('deconv'), ...(gain === undefined ? {} : { gain }) }).apply(x) as Symbolic;
  }

  leaky(x: Symbolic): Symbolic {
    this.count += 1;
    return tfl.layers.leakyReLU({ alpha: this.leakyAlpha, name: `${this.prefix}/leaky${this.count}` }).apply(x) as Symbolic;
  }

  relu(x: Symbolic): Symbolic {
    this.count += 1;
    return tfl.layers.reLU({ name: `${this.prefix}/relu${this.count}` }).apply(x) as Symbolic;
  }

  other(layer: (name: string) => tfl.layers.Layer, x: Symbolic, kind: string): Symbolic {
    this.count += 1;
    return layer(`${this.prefix}/${kind}${this.count}`).apply(x) as Symbolic;
  }
}

function factoryFor(caller: string, options: NetworkOptions, defaultName: string): LayerFactory {
  const alpha = options.leakyAlpha ?? 0.2;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha < 1)) throw new InvalidArgumentError(caller, 'options.leakyAlpha', 'a number in [0, 1)', describeValue(alpha));
  const seed = integer(caller, 'options.seed', options.seed ?? 0, 0);
  const initialization = options.initialization ?? 'equalized';
  if (initialization !== 'equalized' && initialization !== 'dcgan') throw new InvalidArgumentError(caller, 'options.initialization', "'equalized' or 'dcgan'", JSON.stringify(initialization));
  return new LayerFactory(options.name ?? defaultName, seed, alpha, initialization);
}

/** The normalization layer a builder's option names, or the identity for `'none'`; anything else is refused. */
function normalizer(caller: string, argument: string, layers: LayerFactory, kind: unknown, allowed: readonly string[]): (x: Symbolic) => Symbolic {
  const value = kind ?? 'none';
  if (typeof value !== 'string' || !allowed.includes(value)) throw new InvalidArgumentError(caller, argument, allowed.map((name) => `'${name}'`).join(' or '), JSON.stringify(value));
  if (value === 'batch') return (x) => layers.other((name) => new BatchStatisticsNormalization({ name }), x, 'norm');
  if (value === 'layer') return (x) => layers.other((name) => new SampleNormalization({ name }), x, 'norm');
  return (x) => x;
}

/** The shared hidden layers of a discriminator or classifier, ending in a flat feature vector. */
function trunkOf(caller: string, layers: LayerFactory, input: Symbolic, inputShape: readonly number[], trunk: MlpTrunk | CnnTrunk): Symbolic {
  if (trunk.kind === 'mlp') {
    if (inputShape.length !== 1) throw new InvalidArgumentError(caller, 'options.inputShape', "[features] for an 'mlp' trunk", JSON.stringify(inputShape));
    const units = integer(caller, 'options.trunk.units', trunk.units ?? 512);
    let h = input;
    for (let i = 0; i < integer(caller, 'options.trunk.layers', trunk.layers ?? 4); i++) h = layers.leaky(layers.dense(h, units));
    return h;
  }
  if (trunk.kind === 'cnn') {
    if (inputShape.length !== 3) throw new InvalidArgumentError(caller, 'options.inputShape', "[height, width, channels] for a 'cnn' trunk", JSON.stringify(inputShape));
    const kernelSize = integer(caller, 'options.trunk.kernelSize', trunk.kernelSize ?? 4);
    const normalize = normalizer(caller, 'options.trunk.normalization', layers, trunk.normalization, ['none', 'batch', 'layer']);
    let h = input;
    shapeOf(caller, 'options.trunk.channels', trunk.channels ?? [64, 128]).forEach((filters, index) => {
      const convolved = layers.conv(h, filters, kernelSize, 2);
      h = layers.leaky(index === 0 ? convolved : normalize(convolved));
    });
    h = layers.other((name) => tfl.layers.flatten({ name }), h, 'flatten');
    const hidden = trunk.hidden === undefined || trunk.hidden.length === 0 ? [] : shapeOf(caller, 'options.trunk.hidden', trunk.hidden);
    for (const units of hidden) h = layers.leaky(normalize(layers.dense(h, units)));
    return h;
  }
  throw new InvalidArgumentError(caller, 'options.trunk.kind', "'mlp' or 'cnn'", JSON.stringify((trunk as { kind: unknown }).kind));
}

function defaultTrunk(inputShape: readonly number[]): MlpTrunk | CnnTrunk {
  return inputShape.length === 3 ? { kind: 'cnn' } : { kind: 'mlp' };
}

/** Options of the discriminator and classifier builders. */
export interface DiscriminatorOptions extends NetworkOptions {
  /** One sample's shape: [features] for points, [height, width, channels] for images. */
  readonly inputShape: readonly number[];
  /** The hidden layers. Default: the paper's 4×512 MLP for points, the DCGAN CNN for images. */
  readonly trunk?: MlpTrunk | CnnTrunk;
}

/** Options of {@link integratedDiscriminator} and {@link classifier}. */
export interface ClassifierOptions extends DiscriminatorOptions {
  /** d_c: the width of the class logits (and, in D*, of the adversarial vector). */
  readonly categories: number;
}

/** Options of {@link integratedDiscriminator}. */
export interface IntegratedDiscriminatorOptions extends ClassifierOptions {
  /**
   * The width of the adversarial head. Default `categories`: VCAGAN's and CAGAN's vector a,
   * whose logit is a·c. 1 gives InfoGAN's and ACGAN's D: one logit beside the classifier Q.
   */
  readonly adversarialWidth?: number;
}

/**
 * The integrated discriminator + classifier D* of VCAGAN (Algorithm 1, lines 5-6): shared
 * hidden layers, then two linear heads, the adversarial vector a of width d_c (the CAGAN
 * logit is a·c; see `adversarialWidth`) and the class logits of width d_c (Q(x) = softmax). Outputs, in order:
 * `[adversarial, logits]`; `discriminatorOutputs(model, x)` names them. Every op in it has
 * a correct double backward (dense, convolution, leaky ReLU, flatten), so R1 and L_creg
 * can be taken through it.
 */
export function integratedDiscriminator(options: IntegratedDiscriminatorOptions): tfl.LayersModel {
  const caller = 'integratedDiscriminator';
  const inputShape = shapeOf(caller, 'options.inputShape', options.inputShape);
  const categories = integer(caller, 'options.categories', options.categories);
  const adversarialWidth = integer(caller, 'options.adversarialWidth', options.adversarialWidth ?? categories);
  const layers = factoryFor(caller, options, 'discriminator');
  const input = tfl.input({ shape: inputShape, name: `${options.name ?? 'discriminator'}/x` });
  const features = trunkOf(caller, layers, input, inputShape, options.trunk ?? defaultTrunk(inputShape));
  const adversarial = layers.dense(features, adversarialWidth, 1, 'adversarial');
  const logits = layers.dense(features, categories, 1, 'logits');
  return tfl.model({ inputs: input, outputs: [adversarial, logits], name: options.name ?? 'discriminator' });
}

/** Options of {@link discriminator}. */
export interface PlainDiscriminatorOptions extends DiscriminatorOptions {
  /**
   * Logits per sample. Default 1. d_c gives CAGAN's adversarial vector a (the logit is a·c)
   * without a classifier head: the discriminator of a VCAGAN with a separate classifier.
   */
  readonly outputWidth?: number;
}

/** A plain discriminator: the same trunk and one logit per sample, [batch, 1] (vanilla GAN, InfoGAN's D without Q, ACGAN), or `outputWidth` of them. */
export function discriminator(options: PlainDiscriminatorOptions): tfl.LayersModel {
  const caller = 'discriminator';
  const inputShape = shapeOf(caller, 'options.inputShape', options.inputShape);
  const outputWidth = integer(caller, 'options.outputWidth', options.outputWidth ?? 1);
  const layers = factoryFor(caller, options, 'discriminator');
  const input = tfl.input({ shape: inputShape, name: `${options.name ?? 'discriminator'}/x` });
  const features = trunkOf(caller, layers, input, inputShape, options.trunk ?? defaultTrunk(inputShape));
  return tfl.model({ inputs: input, outputs: layers.dense(features, outputWidth, 1, 'logit'), name: options.name ?? 'discriminator' });
}

/** A plain classifier: the same trunk and class logits [batch, d_c] (a separate Q, as in the author's CGPGAN code). */
export function classifier(options: ClassifierOptions): tfl.LayersModel {
  const caller = 'classifier';
  const inputShape = shapeOf(caller, 'options.inputShape', options.inputShape);
  const categories = integer(caller, 'options.categories', options.categories);
  const layers = factoryFor(caller, options, 'classifier');
  const input = tfl.input({ shape: inputShape, name: `${options.name ?? 'classifier'}/x` });
  const features = trunkOf(caller, layers, input, inputShape, options.trunk ?? defaultTrunk(inputShape));
  return tfl.model({ inputs: input, outputs: layers.dense(features, categories, 1, 'logits'), name: options.name ?? 'classifier' });
}

/** Options of {@link mlpGenerator}. */
export interface MlpGeneratorOptions extends NetworkOptions {
  /** d_z + d_c: the width of concat(z, c) (use `generatorInput` of @gantry/priors); d_z for an unconditional G. */
  readonly inputDim: number;
  /** The width of a sample, e.g. 2 for the Gaussian mixture. */
  readonly outputDim: number;
  /** Units per hidden layer. Default 512. */
  readonly units?: number;
  /** Hidden layers. Default 4 (Section 4.1). */
  readonly layers?: number;
  /** Default `'linear'` (points are unbounded). */
  readonly outputActivation?: 'linear' | 'tanh';
}

/**
 * The paper's MLP generator (Section 4.1): concat(z, c) → 4 hidden layers of 512 units,
 * leaky ReLU 0.2, equalized learning rate → a linear output. Hidden layers use gain √2,
 * the output layer gain 1.
 */
export function mlpGenerator(options: MlpGeneratorOptions): tfl.LayersModel {
  const caller = 'mlpGenerator';
  const inputDim = integer(caller, 'options.inputDim', options.inputDim);
  const outputDim = integer(caller, 'options.outputDim', options.outputDim);
  const units = integer(caller, 'options.units', options.units ?? 512);
  const layers = factoryFor(caller, options, 'generator');
  const input = tfl.input({ shape: [inputDim], name: `${options.name ?? 'generator'}/input` });
  let h = input;
  for (let i = 0; i < integer(caller, 'options.layers', options.layers ?? 4); i++) h = layers.leaky(layers.dense(h, units));
  let output = layers.dense(h, outputDim, 1);
  const activation = options.outputActivation ?? 'linear';
  if (activation !== 'linear' && activation !== 'tanh') throw new InvalidArgumentError(caller, 'options.outputActivation', "'linear' or 'tanh'", JSON.stringify(activation));
  if (activation === 'tanh') output = layers.other((name) => tfl.layers.activation({ activation: 'tanh', name }), output, 'tanh');
  return tfl.model({ inputs: input, outputs: output, name: options.name ?? 'generator' });
}

/** Options of {@link cnnGenerator}. */
export interface CnnGeneratorOptions extends NetworkOptions {
  /** d_z + d_c, e.g. 128 + 16 for the paper's MNIST (Section 4.2). */
  readonly inputDim: number;
  /** [height, width, channels] of a sample. Default [28, 28, 1]. Height and width must divide by 2^(channels.length). */
  readonly outputShape?: readonly number[];
  /** Filters of the upsampling layers, from the smallest image up. Default [128, 64]: 7×7×128 → 14×14×64 → 28×28×channels. */
  readonly channels?: readonly number[];
  /** Default 4. */
  readonly kernelSize?: number;
  /**
   * Fully connected hidden layers before the dense layer to the smallest image. Default
   * none; InfoGAN's MNIST G has one of 1024 units (Chen et al. 2016, Appendix C.1).
   */
  readonly hidden?: readonly number[];
  /** The hidden layers' activation: `'leaky'` (leaky ReLU, `leakyAlpha`; the default) or `'relu'` (DCGAN's and InfoGAN's generators). */
  readonly activation?: 'leaky' | 'relu';
  /**
   * `'none'` (the default) or `'batch'`: {@link BatchStatisticsNormalization} before every
   * hidden activation (not the output), as DCGAN's and InfoGAN's generators.
   */
  readonly normalization?: 'none' | 'batch';
}

/**
 * A DCGAN-style generator for images (Section 4.2, "simply composed of CNNs"): concat(z, c)
 * → dense to the smallest image, then stride-2 transposed convolutions, each doubling it,
 * leaky ReLU 0.2 between, equalized learning rate throughout, tanh on the output (pixels
 * in [−1, 1]).
 */
export function cnnGenerator(options: CnnGeneratorOptions): tfl.LayersModel {
  const caller = 'cnnGenerator';
  const inputDim = integer(caller, 'options.inputDim', options.inputDim);
  const outputShape = shapeOf(caller, 'options.outputShape', options.outputShape ?? [28, 28, 1]);
  if (outputShape.length !== 3) throw new InvalidArgumentError(caller, 'options.outputShape', '[height, width, channels]', JSON.stringify(outputShape));
  const channels = shapeOf(caller, 'options.channels', options.channels ?? [128, 64]);
  const kernelSize = integer(caller, 'options.kernelSize', options.kernelSize ?? 4);
  const [height, width, outChannels] = outputShape as [number, number, number];
  const factor = 2 ** channels.length;
  if (height % factor !== 0 || width % factor !== 0) {
    throw new InvalidArgumentError(caller, 'options.outputShape', `height and width divisible by 2^${channels.length} = ${factor} (one halving per entry of options.channels)`, JSON.stringify(outputShape));
  }
  const hidden = options.hidden === undefined || options.hidden.length === 0 ? [] : shapeOf(caller, 'options.hidden', options.hidden);
  const activationName = options.activation ?? 'leaky';
  if (activationName !== 'leaky' && activationName !== 'relu') throw new InvalidArgumentError(caller, 'options.activation', "'leaky' or 'relu'", JSON.stringify(activationName));
  const layers = factoryFor(caller, options, 'generator');
  const normalize = normalizer(caller, 'options.normalization', layers, options.normalization, ['none', 'batch']);
  const activate = (x: Symbolic): Symbolic => (activationName === 'relu' ? layers.relu(normalize(x)) : layers.leaky(normalize(x)));
  const input = tfl.input({ shape: [inputDim], name: `${options.name ?? 'generator'}/input` });
  const [first, ...rest] = channels as [number, ...number[]];
  let h: Symbolic = input;
  for (const units of hidden) h = activate(layers.dense(h, units));
  h = activate(layers.dense(h, (height / factor) * (width / factor) * first));
  h = layers.other((name) => tfl.layers.reshape({ targetShape: [height / factor, width / factor, first], name }), h, 'reshape');
  for (const filters of rest) h = activate(layers.convTranspose(h, filters, kernelSize, 2));
  const image = layers.convTranspose(h, outChannels, kernelSize, 2, 1);
  return tfl.model({ inputs: input, outputs: layers.other((name) => tfl.layers.activation({ activation: 'tanh', name }), image, 'tanh'), name: options.name ?? 'generator' });
}

/**
 * The network choices beyond the paper a recipe offers beside its sizes, declared once here
 * for VCAGAN and every baseline (their options extend it); {@link NETWORK_DEFAULTS} are
 * the paper's.
 */
export interface NetworkChoices {
  /**
   * `'equalized'` (the paper's Section 4, the default): equalized learning rate in every
   * layer. `'dcgan'`: plain layers initialised N(0, 0.02²), as DCGAN's and InfoGAN's.
   */
  readonly initialization?: 'equalized' | 'dcgan';
  /** Images: fully connected hidden layers of G before its projection to the smallest image. Default none (InfoGAN's MNIST G: [1024]). */
  readonly generatorHidden?: readonly number[];
  /** Images: fully connected hidden layers of D after its convolutions. Default none (InfoGAN's MNIST D: [1024]). */
  readonly discriminatorHidden?: readonly number[];
  /** Images: G's hidden activation, `'leaky'` (leaky ReLU 0.2, the default) or `'relu'` (DCGAN's and InfoGAN's G). */
  readonly generatorActivation?: 'leaky' | 'relu';
  /** Images: `'batch'` normalizes G's hidden layers by batch statistics (DCGAN's and InfoGAN's G; {@link BatchStatisticsNormalization}). Default `'none'`. */
  readonly generatorNormalization?: 'none' | 'batch';
  /** Images: D's normalization after its first convolution ({@link CnnTrunk}.normalization): `'none'` (the default), `'batch'` (DCGAN's and InfoGAN's D) or `'layer'` (per sample). */
  readonly discriminatorNormalization?: 'none' | 'batch' | 'layer';
}

/** The paper's {@link NetworkChoices}: equalized learning rate, no hidden layers beyond its own, leaky ReLU, no normalization. */
export const NETWORK_DEFAULTS: Required<NetworkChoices> = {
  initialization: 'equalized',
  generatorHidden: [],
  discriminatorHidden: [],
  generatorActivation: 'leaky',
  generatorNormalization: 'none',
  discriminatorNormalization: 'none',
};

/** The network options a recipe takes beside its losses: what {@link imageOrPointNetworks} reads. */
export interface RecipeNetworkOptions extends Required<NetworkChoices> {
  readonly units: number;
  readonly layers: number;
  readonly channels: readonly number[];
}

/**
 * A recipe's network options turned into D's trunk and G's image options, so that every
 * recipe reads them one way. For points the image-only options must stay at their defaults
 * (no hidden layers, leaky ReLU): a point run that sets them is refused, not ignored.
 *
 * @example
 * ```ts
 * const { trunk, generator } = imageOrPointNetworks('myGan.build', true, {
 *   units: 512, layers: 4, channels: [64, 128], initialization: 'dcgan',
 *   generatorHidden: [1024], discriminatorHidden: [1024], generatorActivation: 'relu', generatorNormalization: 'batch',
 *   discriminatorNormalization: 'layer',
 * });
 * const D = integratedDiscriminator({ inputShape: [28, 28, 1], categories: 10, trunk, initialization: 'dcgan' });
 * const G = cnnGenerator({ inputDim: 138, channels: [128, 64], ...generator });
 * ```
 */
export function imageOrPointNetworks(caller: string, images: boolean, o: RecipeNetworkOptions): { trunk: MlpTrunk | CnnTrunk; generator: Pick<CnnGeneratorOptions, 'hidden' | 'activation' | 'initialization' | 'normalization'> } {
  if (!images) {
    for (const name of ['generatorHidden', 'discriminatorHidden', 'generatorActivation', 'generatorNormalization', 'discriminatorNormalization'] as const) {
      const [value, fallback] = [JSON.stringify(o[name]), JSON.stringify(NETWORK_DEFAULTS[name])];
      if (value !== fallback) throw new InvalidArgumentError(caller, `options.${name}`, `${fallback} for point data (it shapes the image CNNs)`, value);
    }
    return { trunk: { kind: 'mlp', units: o.units, layers: o.layers }, generator: { initialization: o.initialization } };
  }
  return {
    trunk: { kind: 'cnn', channels: o.channels, hidden: o.discriminatorHidden, normalization: o.discriminatorNormalization },
    generator: { hidden: o.generatorHidden, activation: o.generatorActivation, initialization: o.initialization, normalization: o.generatorNormalization },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeValue, InvalidArgumentError } from '@gantry/backend';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = tfl.Shape;

/**
 * The package the layers are registered under (`tf.serialization.getRegisteredName` gives
 * `Gantry>EqualizedDense`); model.json records the class name alone, `EqualizedDense`,
 * which loading resolves once this package is imported.
 */
export const SERIALIZATION_PACKAGE = 'Gantry';

/** Options shared by the equalized-learning-rate layers. */
export interface EqualizedArgs extends LayerArgs {
  /**
   * The gain g of the run-time scale c = g/√fan_in. Default √2, He et al.'s constant for
   * (leaky) ReLU that Karras et al. (2018) use; 1 gives the √(1/fan_in) of the paper
   * author's later CGPGAN code.
   */
  readonly gain?: number;
  /** Default true. */
  readonly useBias?: boolean;
  /** Seed of the N(0, 1) weight initialisation; omitted, TF.js draws one. */
  readonly seed?: number;
  /**
   * `'equalized'` (the default, the paper's Section 4): weights stored N(0, 1), scaled by
   * c = gain/√fan_in at run time. `'none'`: a plain layer, weights stored and used as drawn
   * from N(0, `initStd`²), no run-time scale: DCGAN's and InfoGAN's initialisation
   * (Radford et al. 2016: std 0.02).
   */
  readonly scaling?: 'equalized' | 'none';
  /** With `scaling: 'none'`, the std of the initial weights. Default 0.02 (DCGAN). */
  readonly initStd?: number;
}

function positiveInteger(caller: string, argument: string, value: unknown): number {
  // Stryker disable next-line ConditionalExpression: equivalent: Number.isInteger is false for every non-number, with the same message.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(caller, argument, 'an integer >= 1', describeValue(value));
  }
  return value;
}

function pair(caller: string, argument: string, value: number | readonly [number, number] | undefined, fallback: number): [number, number] {
  const [a, b] = typeof value === 'number' ? [value, value] : value === undefined ? [fallback, fallback] : value;
  return [positiveInteger(caller, argument, a), positiveInteger(caller, argument, b)];
}

function gainOf(caller: string, gain: unknown): number {
  const value = gain ?? Math.SQRT2;
  // Stryker disable next-line ConditionalExpression: equivalent: Number.isFinite is false for every non-number, with the same message.
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new InvalidArgumentError(caller, 'gain', 'a finite number > 0', describeValue(value));
  return value;
}

function singleShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}

function normalInitializer(seed: number | undefined, stddev: number): ReturnType<typeof tfl.initializers.randomNormal> {
  // Stryker disable next-line ConditionalExpression: equivalent: randomNormal with seed undefined draws unseeded, as without the key.
  return tfl.initializers.randomNormal(seed === undefined ? { mean: 0, stddev } : { mean: 0, stddev, seed });
}

/** The common part of the three layers: N(0, 1) weights scaled by c = gain/√fan_in at run time. */
abstract class EqualizedLayer extends tfl.layers.Layer {
  readonly gain: number;
  readonly useBias: boolean;
  readonly seed: number | undefined;
  readonly scaling: 'equalized' | 'none';
  readonly initStd: number;
  protected kernel: tfl.LayerVariable | null = null;
  protected bias: tfl.LayerVariable | null = null;
  /** c = gain/√fan_in, fixed once the input shape is known. */
  runtimeScale = Number.NaN;

  constructor(caller: string, args: EqualizedArgs) {
    super(args);
    this.gain = gainOf(caller, args.gain);
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
    this.scaling = args.scaling ?? 'equalized';
    if (this.scaling !== 'equalized' && this.scaling !== 'none') throw new InvalidArgumentError(caller, 'scaling', "'equalized' or 'none'", JSON.stringify(this.scaling));
    const initStd = args.initStd ?? 0.02;
    if (typeof initStd !== 'number' || !(initStd > 0) || !Number.isFinite(initStd)) throw new InvalidArgumentError(caller, 'initStd', 'a finite number > 0', describeValue(initStd));
    this.initStd = initStd;
  }

  /** Adds the kernel (N(0, 1)) and bias (0) weights and fixes the run-time scale. */
  protected addWeights(kernelShape: number[], fanIn: number, biasSize: number): void {
    const equalized = this.scaling === 'equalized';
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', normalInitializer(this.seed, equalized ? 1 : this.initStd));
    if (this.useBias) this.bias = this.addWeight('bias', [biasSize], 'float32', tfl.initializers.zeros());
    this.runtimeScale = equalized ? this.gain / Math.sqrt(fanIn) : 1;
    // Stryker disable next-line BooleanLiteral: equivalent: tfjs-layers' Layer.apply marks the layer built after calling build.
    this.built = true;
  }

  /** The stored N(0, 1) weights, not yet scaled by c. */
  protected storedKernel(): tf.Tensor {
    return (this.kernel as tfl.LayerVariable).read();
  }

  /**
   * c·y for y the layer's product with its stored kernel: the product is linear in the kernel,
   * so this is y with the kernel c·W. Scaling the output rather than the kernel lets the
   * product read the stored variable itself, which wasm's XNNPACK keeps packed between
   * products with the same weights (32×512 by 512×512: 0.5 ms so, 1.3 ms with a freshly
   * scaled kernel; MNIST's 4×4×64×128 convolution: 17 ms against 39 ms).
   */
  protected scaled(y: tf.Tensor): tf.Tensor {
    // A plain layer (scaling 'none') has no scale: no multiply at all, not a multiply by 1.
    return this.scaling === 'none' ? y : tf.mul(y, this.runtimeScale);
  }

  protected withBias(y: tf.Tensor): tf.Tensor {
    return this.bias === null ? y : tf.add(y, this.bias.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Stryker disable next-line ConditionalExpression: equivalent: a seed of undefined and no seed serialize alike (JSON drops undefined) and build alike.
    // The plain layer's fields only when it is one: equalized layers serialize as before.
    const plain = this.scaling === 'none' ? { scaling: this.scaling, initStd: this.initStd } : {};
    return { ...super.getConfig(), gain: this.gain, useBias: this.useBias, ...(this.seed === undefined ? {} : { seed: this.seed }), ...plain };
  }
}

/** Options of {@link EqualizedDense}. */
export interface EqualizedDenseArgs extends EqualizedArgs {
  readonly units: number;
}

/**
 * A fully connected layer with equalized learning rate (Karras et al. 2018; the paper uses
 * it for all weights, Section 4): y = c·(x·W) + b with W ~ N(0, 1) as stored and
 * c = gain/√fan_in, fan_in = the input width. Scaling at run time instead of at
 * initialisation makes Adam's per-weight step the same size in every layer.
 */
export class EqualizedDense extends EqualizedLayer {
  static readonly className = 'EqualizedDense';
  readonly units: number;

  constructor(args: EqualizedDenseArgs) {
    super('EqualizedDense', args);
    this.units = positiveInteger('EqualizedDense', 'units', args.units);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const inputDim = shape[shape.length - 1];
    if (shape.length !== 2 || typeof inputDim !== 'number') {
      throw new InvalidArgumentError(`EqualizedDense '${this.name}'`, 'input shape', '[batch, features]', JSON.stringify(shape));
    }
    this.addWeights([inputDim, this.units], inputDim, this.units);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape).slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.withBias(this.scaled(tf.matMul(singleTensor(inputs) as tf.Tensor2D, this.storedKernel() as tf.Tensor2D))));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}

/** Options of {@link EqualizedConv2D} and {@link EqualizedConv2DTranspose}. */
export interface EqualizedConvArgs extends EqualizedArgs {
  readonly filters: number;
  readonly kernelSize: number | readonly [number, number];
  /** Default 1. */
  readonly strides?: number | readonly [number, number];
  /** Default `'same'`. */
  readonly padding?: 'same' | 'valid';
}

function imageShape(caller: string, name: string, inputShape: Shape | Shape[]): [number, number, number] {
  const shape = singleShape(inputShape);
  const [, height, width, channels] = shape;
  if (shape.length !== 4 || typeof channels !== 'number') {
    throw new InvalidArgumentError(`${caller} '${name}'`, 'input shape', '[batch, height, width, channels] (channels last, channels known)', JSON.stringify(shape));
  }
  return [height ?? -1, width ?? -1, channels];
}

abstract class EqualizedConvolution extends EqualizedLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';

  constructor(caller: string, args: EqualizedConvArgs) {
    super(caller, args);
    this.filters = positiveInteger(caller, 'filters', args.filters);
    this.kernelSize = pair(caller, 'kernelSize', args.kernelSize, 1);
    this.strides = pair(caller, 'strides', args.strides, 1);
    this.padding = args.padding ?? 'same';
    if (this.padding !== 'same' && this.padding !== 'valid') throw new InvalidArgumentError(caller, 'padding', "'same' or 'valid'", JSON.stringify(this.padding));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding };
  }
}

/**
 * A 2-D convolution (channels last) with equalized learning rate: the N(0, 1) kernel
 * [kh, kw, in, filters] is scaled by c = gain/√(kh·kw·in) at run time.
 */
export class EqualizedConv2D extends EqualizedConvolution {
  static readonly className = 'EqualizedConv2D';

  constructor(args: EqualizedConvArgs) {
    super('EqualizedConv2D', args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, , channels] = imageShape('EqualizedConv2D', this.name, inputShape);
    const [kh, kw] = this.kernelSize;
    this.addWeights([kh, kw, channels, this.filters], kh * kw * channels, this.filters);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    const [height, width] = imageShape('EqualizedConv2D', this.name, inputShape);
    const size = (length: number, axis: 0 | 1): number | null => {
      if (length < 0) return null;
      const stride = this.strides[axis];
      return this.padding === 'same' ? Math.ceil(length / stride) : Math.floor((length - this.kernelSize[axis]) / stride) + 1;
    };
    return [shape[0] ?? null, size(height, 0), size(width, 1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.withBias(this.scaled(tf.conv2d(singleTensor(inputs) as tf.Tensor4D, this.storedKernel() as tf.Tensor4D, this.strides, this.padding))));
  }
}

/**
 * A transposed 2-D convolution (channels last) with equalized learning rate: the N(0, 1)
 * kernel [kh, kw, filters, in] is scaled by c = gain/√(kh·kw·in) at run time, the fan-in
 * of the convolution it transposes, as in Karras et al.'s upscaling layers. With
 * `'same'` padding the output is the input size times the stride.
 */
export class EqualizedConv2DTranspose extends EqualizedConvolution {
  static readonly className = 'EqualizedConv2DTranspose';

  constructor(args: EqualizedConvArgs) {
    super('EqualizedConv2DTranspose', args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, , channels] = imageShape('EqualizedConv2DTranspose', this.name, inputShape);
    const [kh, kw] = this.kernelSize;
    this.addWeights([kh, kw, this.filters, channels], kh * kw * channels, this.filters);
  }

  private outputSize(length: number, axis: 0 | 1): number {
    const stride = this.strides[axis];
    return this.padding === 'same' ? length * stride : (length - 1) * stride + this.kernelSize[axis];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    const [height, width] = imageShape('EqualizedConv2DTranspose', this.name, inputShape);
    return [shape[0] ?? null, height < 0 ? null : this.outputSize(height, 0), width < 0 ? null : this.outputSize(width, 1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs) as tf.Tensor4D;
      const [batch, height, width] = x.shape;
      const outputShape: [number, number, number, number] = [batch, this.outputSize(height, 0), this.outputSize(width, 1), this.filters];
      return this.withBias(this.scaled(tf.conv2dTranspose(x, this.storedKernel() as tf.Tensor4D, outputShape, this.strides, this.padding)));
    });
  }
}

tf.serialization.registerClass(EqualizedDense, SERIALIZATION_PACKAGE);
tf.serialization.registerClass(EqualizedConv2D, SERIALIZATION_PACKAGE);
tf.serialization.registerClass(EqualizedConv2DTranspose, SERIALIZATION_PACKAGE);

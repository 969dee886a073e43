import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeValue, InvalidArgumentError } from '@gantry/backend';
import { SERIALIZATION_PACKAGE } from './equalized.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Options of {@link BatchStatisticsNormalization} and {@link SampleNormalization}. */
export interface BatchStatisticsNormalizationArgs extends LayerArgs {
  /** Added to the variance. Default 1e-5 (PyTorch's `BatchNorm2d`). */
  readonly epsilon?: number;
}

/**
 * Batch normalization (Ioffe and Szegedy 2015) that always normalizes with the statistics
 * of the batch it is given, per channel (the last axis) over every other axis, then scales
 * and shifts by learned γ (initially 1) and β (initially 0).
 *
 * It keeps no moving averages: a layer with state that changes inside the forward pass
 * would not survive Gantry's kernel plans, its rollback of a non-finite step or its
 * checkpoints (which hold the trainable weights). So a sample depends on the batch it is
 * drawn in, as in GAN code that samples in training mode; Gantry's evaluation draws 500
 * at a time. In a discriminator (DCGAN's and InfoGAN's D, `CnnTrunk.normalization`) it
 * couples the samples of a batch: D is then applied to real and fake batches apart, and a
 * per-sample penalty (R1, Eq. 6) differentiates through the batch's statistics too. For a
 * D that keeps samples apart, use {@link SampleNormalization}.
 *
 * @example
 * ```ts
 * const x = tfl.input({ shape: [7, 7, 128] });
 * const y = new BatchStatisticsNormalization({ name: 'bn' }).apply(x);
 * ```
 */
export class BatchStatisticsNormalization extends tfl.layers.Layer {
  static readonly className: string = 'BatchStatisticsNormalization';
  readonly epsilon: number;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;

  constructor(args: BatchStatisticsNormalizationArgs = {}) {
    super(args);
    const epsilon = args.epsilon ?? 1e-5;
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw new InvalidArgumentError(this.getClassName(), 'epsilon', 'a finite number > 0', describeValue(epsilon));
    this.epsilon = epsilon;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || typeof channels !== 'number') throw new InvalidArgumentError(`${this.getClassName()} '${this.name}'`, 'input shape', '[batch, ..., channels] with channels known', JSON.stringify(shape));
    this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const { mean, variance } = tf.moments(x, this.statisticsAxes(x.rank), true);
      const scale = tf.mul(tf.rsqrt(tf.add(variance, this.epsilon)), (this.gamma as tfl.LayerVariable).read());
      return tf.add(tf.mul(tf.sub(x, mean), scale), (this.beta as tfl.LayerVariable).read());
    });
  }

  /** The axes the mean and variance are taken over: every axis but the channels'. */
  protected statisticsAxes(rank: number): number[] {
    return Array.from({ length: rank - 1 }, (_, axis) => axis);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(BatchStatisticsNormalization, SERIALIZATION_PACKAGE);

/**
 * Layer normalization (Ba et al. 2016) of one sample at a time: each sample is normalized by
 * the mean and variance of all its own values (every axis but the batch), then each channel
 * (the last axis) is scaled by learned γ (initially 1) and shifted by β (initially 0). A
 * sample's output does not depend on the rest of its batch, so per-sample penalties (R1,
 * Eq. 6) stay per sample: the normalization for a discriminator under gradient penalties
 * (as in WGAN-GP's critic, Gulrajani et al. 2017, which drops batch normalization for it).
 *
 * @example
 * ```ts
 * const x = tfl.input({ shape: [14, 14, 32] });
 * const y = new SampleNormalization({ name: 'ln' }).apply(x);
 * ```
 */
export class SampleNormalization extends BatchStatisticsNormalization {
  static override readonly className: string = 'SampleNormalization';

  protected override statisticsAxes(rank: number): number[] {
    return Array.from({ length: rank - 1 }, (_, axis) => axis + 1);
  }
}

tf.serialization.registerClass(SampleNormalization, SERIALIZATION_PACKAGE);

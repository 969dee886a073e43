import * as tf from '@tensorflow/tfjs-core';
import { expectTensor, InvalidArgumentError } from '@gantry/backend';

/**
 * The reference classifier's layers, in order: three 3×3 convolutions with ReLU (32
 * channels; the second and third of stride 2: 28 → 14 → 7), a 64-unit ReLU layer (the
 * features for the Fréchet distance, as TF-GAN's MNIST classifier score uses its penultimate
 * layer) and 10 logits. 120,234 parameters, small enough to ship (481 KB as float32).
 */
export const REFERENCE_CLASSIFIER_LAYERS = [
  { name: 'conv1', kernel: [3, 3, 1, 32], stride: 1 },
  { name: 'conv2', kernel: [3, 3, 32, 32], stride: 2 },
  { name: 'conv3', kernel: [3, 3, 32, 32], stride: 2 },
  { name: 'features', kernel: [7 * 7 * 32, 64], stride: 0 },
  { name: 'logits', kernel: [64, 10], stride: 0 },
] as const;

/** The weights of {@link referenceClassifier}: `<layer>/kernel` and `<layer>/bias` for each of {@link REFERENCE_CLASSIFIER_LAYERS}. */
export type ReferenceClassifierWeights = Readonly<Record<string, tf.Tensor>>;

/** A digit classifier for evaluating generated MNIST images. */
export interface ReferenceClassifier {
  /** Logits [n, 10] for images [n, 28, 28, 1] in [−1, 1] (the GANs' scale). */
  logits(images: tf.Tensor): tf.Tensor2D;
  /** The penultimate layer's 64 ReLU features [n, 64]. */
  features(images: tf.Tensor): tf.Tensor2D;
}

/** Fresh He-initialised weights for {@link referenceClassifier} (for training it), from a seeded stream of normals. */
export function initialReferenceWeights(normal: (shape: readonly number[]) => tf.Tensor): Record<string, tf.Tensor> {
  const weights: Record<string, tf.Tensor> = {};
  for (const layer of REFERENCE_CLASSIFIER_LAYERS) {
    const fanIn = layer.kernel.slice(0, -1).reduce((a: number, b: number) => a * b, 1);
    weights[`${layer.name}/kernel`] = tf.tidy(() => tf.mul(normal(layer.kernel), Math.sqrt(2 / fanIn)));
    weights[`${layer.name}/bias`] = tf.zeros([layer.kernel[layer.kernel.length - 1] as number]);
  }
  return weights;
}

/**
 * The project's reference MNIST classifier (see {@link REFERENCE_CLASSIFIER_LAYERS}) on the
 * given weights, as plain TF.js ops: trained by `scripts/train-mnist-reference.mjs` of this package,
 * loaded by `loadReferenceClassifier` of `@gantry/metrics/node`. It scores generated images:
 * class consistency of G(z, c), digit coverage and the Fréchet distance on its features.
 */
export function referenceClassifier(weights: ReferenceClassifierWeights): ReferenceClassifier {
  const caller = 'referenceClassifier';
  for (const layer of REFERENCE_CLASSIFIER_LAYERS) {
    const kernel = weights[`${layer.name}/kernel`];
    const bias = weights[`${layer.name}/bias`];
    if (kernel === undefined || kernel.shape.join() !== layer.kernel.join()) {
      throw new InvalidArgumentError(caller, `weights['${layer.name}/kernel']`, `a tensor of shape [${layer.kernel.join(', ')}]`, kernel === undefined ? 'nothing' : `shape [${kernel.shape.join(', ')}]`);
    }
    const width = layer.kernel[layer.kernel.length - 1] as number;
    if (bias === undefined || bias.shape.join() !== String(width)) {
      throw new InvalidArgumentError(caller, `weights['${layer.name}/bias']`, `a tensor of shape [${width}]`, bias === undefined ? 'nothing' : `shape [${bias.shape.join(', ')}]`);
    }
  }
  const w = (name: string): tf.Tensor => weights[name] as tf.Tensor;
  const features = (images: tf.Tensor): tf.Tensor2D =>
    tf.tidy(() => {
      expectTensor(caller, 'images', images, { rank: 4 });
      if (images.shape.slice(1).join() !== '28,28,1') throw new InvalidArgumentError(caller, 'images', 'shape [n, 28, 28, 1]', `shape [${images.shape.join(', ')}]`);
      let h: tf.Tensor4D = images as tf.Tensor4D;
      for (const layer of REFERENCE_CLASSIFIER_LAYERS.slice(0, 3)) {
        h = tf.relu(tf.add(tf.conv2d(h, w(`${layer.name}/kernel`) as tf.Tensor4D, layer.stride, 'same'), w(`${layer.name}/bias`))) as tf.Tensor4D;
      }
      const flat = tf.reshape(h, [h.shape[0], 7 * 7 * 32]);
      return tf.relu(tf.add(tf.matMul(flat, w('features/kernel') as tf.Tensor2D), w('features/bias'))) as tf.Tensor2D;
    });
  return {
    features,
    logits: (images) => tf.tidy(() => tf.add(tf.matMul(features(images), w('logits/kernel') as tf.Tensor2D), w('logits/bias'))),
  };
}

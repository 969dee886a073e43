/**
 * The VCAGAN paper's networks for TensorFlow.js: equalized-learning-rate layers (Karras et
 * al. 2018; Section 4), the MLP generator and discriminator of the Gaussian-mixture
 * experiment (4 × 512, leaky ReLU 0.2; Section 4.1), DCGAN-style CNNs for 28×28 images
 * (Section 4.2), the integrated discriminator + classifier D* (Algorithm 1, lines 5-6),
 * and helpers to use them in custom training steps. Every builder returns a
 * `tf.LayersModel`: `summary()`, `save()` and `tf.loadLayersModel()` work as usual, and in
 * Node `file://` works without tfjs-node.
 *
 * @packageDocumentation
 */
export {
  EqualizedConv2D,
  EqualizedConv2DTranspose,
  EqualizedDense,
  SERIALIZATION_PACKAGE,
  type EqualizedArgs,
  type EqualizedConvArgs,
  type EqualizedDenseArgs,
} from './equalized.js';
export {
  classifier,
  cnnGenerator,
  discriminator,
  imageOrPointNetworks,
  integratedDiscriminator,
  NETWORK_DEFAULTS,
  mlpGenerator,
  type ClassifierOptions,
  type CnnGeneratorOptions,
  type CnnTrunk,
  type DiscriminatorOptions,
  type IntegratedDiscriminatorOptions,
  type MlpGeneratorOptions,
  type MlpTrunk,
  type NetworkOptions,
  type PlainDiscriminatorOptions,
  type NetworkChoices,
  type RecipeNetworkOptions,
} from './builders.js';
export { BatchStatisticsNormalization, type BatchStatisticsNormalizationArgs, SampleNormalization } from './normalization.js';
export { applyModel, discriminatorOutputs, parameterCount, trainableVariables, type DiscriminatorOutputs } from './apply.js';

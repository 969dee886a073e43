/**
 * Latent distributions for GANs: the continuous code Z (normal, uniform), categorical
 * priors P(C) that are fixed (InfoGAN) or follow the classifier's output on real data by a
 * moving average (VCAGAN, Section 3 and Algorithm 1 line 12), and joint (z, c) sampling
 * for a conditional generator. Every draw comes from a seeded `Random` (`@gantry/backend`).
 *
 * @packageDocumentation
 */
export {
  continuousPriorFromJSON,
  normalPrior,
  uniformPrior,
  type ContinuousPrior,
  type ContinuousPriorJSON,
} from './continuous.js';
export {
  categoricalPrior,
  categoricalPriorFromJSON,
  exponentialMovingAverage,
  fixedRule,
  simpleMovingAverage,
  type CategoricalPrior,
  type CategoricalPriorJSON,
  type CategoricalPriorOptions,
  type CategoricalUpdateRule,
  type JsonValue,
  type RuleState,
} from './categorical.js';
export {
  generatorInput,
  oneHotLabels,
  sampleGeneratorInput,
  type GeneratorInput,
  type GeneratorInputOptions,
  type LabelEncoding,
} from './joint.js';

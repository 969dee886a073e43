/**
 * The paper's losses and regularizers as small, pure TensorFlow.js functions of tensors:
 * adversarial families as (f_d, f_g) pairs, the CAGAN loss (Eqs. 4-5), virtual labels
 * (Algorithm 1, line 7), classification losses (Eq. 1, ACGAN), R1, R2, VCAGAN's classifier
 * gradient penalty (Eq. 6) and WGAN-GP, combined by name and weight in {@link weighted}.
 *
 * @packageDocumentation
 */
export {
  ADVERSARIAL_LOSSES,
  adversarialLoss,
  defineAdversarialLoss,
  hingeLoss,
  leastSquaresLoss,
  logisticLoss,
  minimaxLoss,
  wassersteinLoss,
  type AdversarialLoss,
  type AdversarialLossName,
  type AdversarialLossSpec,
  type AdversarialTerms,
  type DiscriminatorLogits,
  type GeneratorLogits,
} from './adversarial.js';
export {
  argmaxOneHot,
  caganDiscriminatorLoss,
  recentredArgmaxOneHot,
  caganGeneratorLoss,
  conditionalLogits,
  type CaganDiscriminatorInputs,
  type CaganGeneratorInputs,
  type ConditionalLossOptions,
} from './conditional.js';
export { acganClassifierLoss, classificationLoss, type AcganClassifierInputs, type ClassificationInputs } from './classification.js';
export {
  classifierGradientPenalty,
  fakeClassifierGradientPenalty,
  r1Penalty,
  r2Penalty,
  sharedRealPenalties,
  wganGradientPenalty,
  type ClassifierGradientPenaltyInputs,
  type ClassifierNetwork,
  type FakeClassifierGradientPenaltyInputs,
  type IntegratedOutputs,
  type SharedRealPenaltiesInputs,
  type R1Inputs,
  type R2Inputs,
  type ScalarNetwork,
  type WganGradientPenaltyInputs,
  type WganGradientPenaltyOptions,
} from './penalties.js';
export { weighted, type LossTerms, type LossWeights } from './weighted.js';

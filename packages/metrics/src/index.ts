/**
 * Evaluation of conditional GANs on data with known components: P(C) and its entropy, the
 * categories with probability ≥ 1% with the component each falls on and its purity, the
 * high-quality fraction (within 3σ of a center; its complement is the paper's "lines
 * between clusters"), modes covered, recovered component probabilities and their total
 * variation to the truth; clustering accuracy (best many-to-one and one-to-one matchings)
 * and NMI of a classifier on labelled points; and the Fréchet distance between two sets of
 * feature vectors.
 *
 * @packageDocumentation
 */
export { clusteringAccuracy, majorityMapping, normalizedMutualInformation, oneToOneAccuracy } from './clustering.js';
export { featureMoments, frechetDistance, frechetDistanceFromMoments, MAX_JACOBI_SWEEPS, symmetricEigen, type FeatureMoments, type FeatureSet } from './frechet.js';
export { categoryDigits, type CategoryDigits, type CategoryDigitsReport } from './images.js';
export { maximumWeightMatching } from './matching.js';
export { initialReferenceWeights, REFERENCE_CLASSIFIER_LAYERS, referenceClassifier, type ReferenceClassifier, type ReferenceClassifierWeights } from './reference-classifier.js';
export { evaluateMixture, mixtureRecovery, type CategoryReport, type MixtureEvaluation, type MixtureEvaluationInput, type MixtureRecovery, type RecoveryCriteria } from './mixture.js';

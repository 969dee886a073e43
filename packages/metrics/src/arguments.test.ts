import * as tf from '@tensorflow/tfjs-core';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as metrics from './index.js';
import * as node from './node.js';

// The cases pass what a user's JavaScript could pass: wrong types on purpose, so the
// package is called untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const M = { ...metrics, ...node } as any;
const mix = { centers: [[0, 0], [1, 1]], probabilities: [0.5, 0.5], prior: [0.5, 0.5], std: 0.1, samples: [0, 0, 1, 1], sampleCategories: [0, 1] };
const feats = (n: number, d: number): { values: number[]; dimension: number } => ({ values: Array.from({ length: n * d }, (_, i) => Math.sin(i)), dimension: d });

// Every argument check of the package, with the one line a user reads: the function, the
// argument, what was expected and what came (the messages are the interface).
describe('metrics: every mistake gets its own line', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const cases: [string, () => unknown, string][] = [
    ["clusteringAccuracy lengths", (): unknown => M.clusteringAccuracy([0, 1], [0]), "clusteringAccuracy: predicted must be 1 labels (one per true label), got 2."],
    ["clusteringAccuracy empty", (): unknown => M.clusteringAccuracy([], []), "clusteringAccuracy: predicted must be at least one label, got none."],
    ["clusteringAccuracy predicted -1", (): unknown => M.clusteringAccuracy([0, -1], [0, 1]), "clusteringAccuracy: predicted[1] must be a non-negative integer label, got -1."],
    ["clusteringAccuracy truth 0.5", (): unknown => M.clusteringAccuracy([0, 1], [0, 0.5]), "clusteringAccuracy: truth[1] must be a non-negative integer label, got 0.5."],
    ["majorityMapping lengths", (): unknown => M.majorityMapping([0], [0, 1]), "majorityMapping: predicted must be 2 labels (one per true label), got 1."],
    ["normalizedMutualInformation empty", (): unknown => M.normalizedMutualInformation([], []), "normalizedMutualInformation: predicted must be at least one label, got none."],
    ["normalizedMutualInformation predicted NaN", (): unknown => M.normalizedMutualInformation([Number.NaN], [0]), "normalizedMutualInformation: predicted[0] must be a non-negative integer label, got NaN."],
    ["oneToOneAccuracy lengths", (): unknown => M.oneToOneAccuracy([0, 1, 2], [0, 1]), "oneToOneAccuracy: predicted must be 2 labels (one per true label), got 3."],
    ["oneToOneAccuracy truth -2", (): unknown => M.oneToOneAccuracy([0, 1], [-2, 1]), "oneToOneAccuracy: truth[0] must be a non-negative integer label, got -2."],
    ["featureMoments dimension 0", (): unknown => M.featureMoments({ values: [1, 2], dimension: 0 }), "featureMoments: features.dimension must be an integer >= 1, got 0."],
    ["featureMoments dimension 1.5", (): unknown => M.featureMoments({ values: [1, 2], dimension: 1.5 }), "featureMoments: features.dimension must be an integer >= 1, got 1.5."],
    ["featureMoments values not a multiple", (): unknown => M.featureMoments({ values: [1, 2, 3], dimension: 2 }), "featureMoments: features.values must be a multiple of dimension 2 values, got 3."],
    ["featureMoments one sample", (): unknown => M.featureMoments({ values: [1, 2], dimension: 2 }), "featureMoments: features.values must be at least 2 samples (a covariance needs them), got 1."],
    ["featureMoments NaN", (): unknown => M.featureMoments({ values: [1, 2, Number.NaN, 4], dimension: 2 }), "featureMoments: features.values[2] must be a finite number, got NaN."],
    ["frechetDistance dimensions", (): unknown => M.frechetDistance(feats(4, 2), feats(6, 3)), "frechetDistance: b.dimension must be 2 (as a), got 3."],
    ["frechetDistance b one sample", (): unknown => M.frechetDistance(feats(4, 2), feats(1, 2)), "frechetDistance: b.values must be at least 2 samples (a covariance needs them), got 1."],
    ["frechetDistanceFromMoments widths", (): unknown => M.frechetDistanceFromMoments(M.featureMoments(feats(4, 2)), M.featureMoments(feats(5, 3))), "frechetDistanceFromMoments: b.mean must be 2 features (as a), got 3."],
    ["categoryDigits classes 0", (): unknown => M.categoryDigits([0], [0], [1], { classes: 0 }), "categoryDigits: options.classes must be an integer >= 1, got 0."],
    ["categoryDigits minimum 2", (): unknown => M.categoryDigits([0], [0], [1], { minimum: 2 }), "categoryDigits: options.minimum must be a finite number in [0, 1], got 2."],
    ["categoryDigits lengths", (): unknown => M.categoryDigits([0, 0], [0], [1]), "categoryDigits: digits must be one digit per sample (2), got 1."],
    ["categoryDigits category 2 of 2", (): unknown => M.categoryDigits([0, 2], [0, 1], [0.5, 0.5]), "categoryDigits: sampleCategories[1] must be a category in [0, 1], got 2."],
    ["categoryDigits category 0.5", (): unknown => M.categoryDigits([0.5], [1], [0.5, 0.5]), "categoryDigits: sampleCategories[0] must be a category in [0, 1], got 0.5."],
    ["categoryDigits digit 10", (): unknown => M.categoryDigits([0, 1], [3, 10], [0.5, 0.5]), "categoryDigits: digits[1] must be a digit in [0, 9], got 10."],
    ["categoryDigits digit -1", (): unknown => M.categoryDigits([0], [-1], [1]), "categoryDigits: digits[0] must be a digit in [0, 9], got -1."],
    ["categoryDigits digit 3 of 3 classes", (): unknown => M.categoryDigits([0], [3], [1], { classes: 3 }), "categoryDigits: digits[0] must be a digit in [0, 2], got 3."],
    ["maximumWeightMatching ragged", (): unknown => M.maximumWeightMatching([[1, 2], [3]]), "maximumWeightMatching: weights[1] must be 2 entries (as row 0), got 1."],
    ["maximumWeightMatching NaN", (): unknown => M.maximumWeightMatching([[1, 2], [3, Number.NaN]]), "maximumWeightMatching: weights[1][1] must be a finite number, got NaN."],
    ["maximumWeightMatching Infinity", (): unknown => M.maximumWeightMatching([[Number.POSITIVE_INFINITY]]), "maximumWeightMatching: weights[0][0] must be a finite number, got Infinity."],
    ["evaluateMixture no centers", (): unknown => M.evaluateMixture({ ...mix, centers: [] }), "evaluateMixture: input.centers must be at least one center of dimension >= 1, got []."],
    ["evaluateMixture centers of dimension 0", (): unknown => M.evaluateMixture({ ...mix, centers: [[], []] }), "evaluateMixture: input.centers must be at least one center of dimension >= 1, got [[],[]]."],
    ["evaluateMixture probabilities sum", (): unknown => M.evaluateMixture({ ...mix, probabilities: [0.5, 0.6] }), "evaluateMixture: input.probabilities must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.1."],
    ["evaluateMixture probabilities count", (): unknown => M.evaluateMixture({ ...mix, probabilities: [1] }), "evaluateMixture: input.probabilities must be 2 probabilities (one per center), got 1."],
    ["evaluateMixture prior sum", (): unknown => M.evaluateMixture({ ...mix, prior: [0.9, 0.2] }), "evaluateMixture: input.prior must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.1."],
    ["evaluateMixture std 0", (): unknown => M.evaluateMixture({ ...mix, std: 0 }), "evaluateMixture: input.std must be a finite number > 0, got 0."],
    ["evaluateMixture threshold 1.5", (): unknown => M.evaluateMixture({ ...mix, threshold: 1.5 }), "evaluateMixture: input.threshold must be a finite number in [0, 1], got 1.5."],
    ["evaluateMixture radius 0", (): unknown => M.evaluateMixture({ ...mix, radius: 0 }), "evaluateMixture: input.radius must be a finite number > 0, got 0."],
    ["evaluateMixture coverage -0.1", (): unknown => M.evaluateMixture({ ...mix, coverage: -0.1 }), "evaluateMixture: input.coverage must be a finite number in [0, 1], got -0.1."],
    ["evaluateMixture no samples", (): unknown => M.evaluateMixture({ ...mix, samples: [], sampleCategories: [] }), "evaluateMixture: input.sampleCategories must be at least one sample, got none."],
    ["evaluateMixture samples count", (): unknown => M.evaluateMixture({ ...mix, samples: [0, 0, 1] }), "evaluateMixture: input.samples must be 2 \u00d7 2 = 4 values, got 3."],
    ["evaluateMixture sample NaN", (): unknown => M.evaluateMixture({ ...mix, samples: [0, 0, Number.NaN, 1] }), "evaluateMixture: input.samples (sample 1) must be finite, got a non-finite value."],
    ["mixtureRecovery purity 2", (): unknown => M.mixtureRecovery(M.evaluateMixture(mix), { purity: 2 }), "mixtureRecovery: criteria.purity must be a finite number in [0, 1], got 2."],
    ["mixtureRecovery totalVariation -1", (): unknown => M.mixtureRecovery(M.evaluateMixture(mix), { totalVariation: -1 }), "mixtureRecovery: criteria.totalVariation must be a finite number in [0, 1], got -1."],
    ["mixtureRecovery highQualityFraction 1.1", (): unknown => M.mixtureRecovery(M.evaluateMixture(mix), { highQualityFraction: 1.1 }), "mixtureRecovery: criteria.highQualityFraction must be a finite number in [0, 1], got 1.1."],
    ["mixtureRecovery mergeShare 0", (): unknown => M.mixtureRecovery(M.evaluateMixture(mix), { mergeShare: 0 }), "mixtureRecovery: criteria.mergeShare must be a finite number in (0, 1), got 0."],
    ["mixtureRecovery mergeShare 1", (): unknown => M.mixtureRecovery(M.evaluateMixture(mix), { mergeShare: 1 }), "mixtureRecovery: criteria.mergeShare must be a finite number in (0, 1), got 1."],
    ["referenceClassifier missing kernel", (): unknown => M.referenceClassifier({}), "referenceClassifier: weights['conv1/kernel'] must be a tensor of shape [3, 3, 1, 32], got nothing."],
    ["referenceClassifier kernel shape", (): unknown => M.referenceClassifier({ 'conv1/kernel': tf.zeros([3, 3, 1, 16]) }), "referenceClassifier: weights['conv1/kernel'] must be a tensor of shape [3, 3, 1, 32], got shape [3, 3, 1, 16]."],
    ["referenceClassifier missing bias", (): unknown => M.referenceClassifier({ 'conv1/kernel': tf.zeros([3, 3, 1, 32]) }), "referenceClassifier: weights['conv1/bias'] must be a tensor of shape [32], got nothing."],
    ["referenceClassifier bias shape", (): unknown => M.referenceClassifier({ 'conv1/kernel': tf.zeros([3, 3, 1, 32]), 'conv1/bias': tf.zeros([1, 32]) }), "referenceClassifier: weights['conv1/bias'] must be a tensor of shape [32], got shape [1, 32]."],
    ["referenceClassifier images shape", (): unknown => M.referenceClassifier(M.initialReferenceWeights((shape: number[]) => tf.zeros(shape))).features(tf.zeros([2, 28, 28, 3])), "referenceClassifier: images must be shape [n, 28, 28, 1], got shape [2, 28, 28, 3]."],
    ["referenceClassifier images rank", (): unknown => M.referenceClassifier(M.initialReferenceWeights((shape: number[]) => tf.zeros(shape))).logits(tf.zeros([28, 28, 1])), "referenceClassifier: images must be of rank 4, got shape [28, 28, 1] (rank 3)."],
    ["decodeReferenceWeights format", (): unknown => M.decodeReferenceWeights({ format: 'other', version: 1, weights: {} }), "decodeReferenceWeights: weights must be format 'gantry/reference-classifier' version 1, got other version 1."],
    ["decodeReferenceWeights version", (): unknown => M.decodeReferenceWeights({ format: 'gantry/reference-classifier', version: 2, weights: {} }, 'assets/mine.json'), "decodeReferenceWeights: assets/mine.json must be format 'gantry/reference-classifier' version 1, got gantry/reference-classifier version 2."],
  ];

  it.each(cases.map(([name], index) => [name, index] as const))('%s', (_, index) => {
    const [, thunk, message] = cases[index] as [string, () => unknown, string];
    expect(invalidArgumentMessage(thunk)).toBe(message);
  });
});

import { invalidArgumentMessage } from '@gantry/backend/testing';
import { describe, expect, it } from 'vitest';
import { evaluateMixture } from './index.js';

const CENTERS = [
  [0, 0],
  [10, 0],
];

describe('evaluateMixture', () => {
  it('matches a hand count on 8 points', () => {
    // std 1, radius 3: within 3 of a center is high quality.
    // category 0 (P 0.6): (0, 0), (1, 1), (0, 2.9) near center 0, and (5, 0), 5 from both centers: nearest center 0 (ties go to the first), not high quality.
    // category 1 (P 0.395): (10, 0), (9, 1) near center 1, (2, 0) near center 0.
    // category 2 (P 0.005, under 1%): (10, 1), ignored in the category table but counted in the fractions.
    const samples = [0, 0, 1, 1, 0, 2.9, 5, 0, 10, 0, 9, 1, 2, 0, 10, 1];
    const sampleCategories = [0, 0, 0, 0, 1, 1, 1, 2];
    const result = evaluateMixture({ samples, sampleCategories, prior: [0.6, 0.395, 0.005], centers: CENTERS, probabilities: [0.5, 0.5], std: 1 });
    expect(result.categories.map((c) => [c.category, c.samples, c.component, c.purity, c.highQualityFraction])).toEqual([
      [0, 4, 0, 1, 0.75],
      [1, 3, 1, 2 / 3, 1],
    ]);
    expect(result.distinctComponents).toBe(true);
    // 7 of 8 samples high quality.
    expect(result.highQualityFraction).toBe(7 / 8);
    // High-quality samples: 4 near center 0 ((0, 0), (1, 1), (0, 2.9), (2, 0)) and 3 near center 1: [4/7, 3/7].
    expect(result.sampleFrequencies).toEqual([4 / 7, 3 / 7]);
    expect(result.coveredComponents).toEqual([0, 1]);
    // Recovered from P(C): category 0 → component 0 (0.6), category 1 → component 1 (0.395); renormalised by 0.995.
    expect(result.recoveredProbabilities[0]).toBeCloseTo(0.6 / 0.995, 12);
    expect(result.totalVariation).toBeCloseTo(Math.abs(0.6 / 0.995 - 0.5), 12);
    // Entropy of [0.6, 0.395, 0.005]: −(0.6 ln 0.6 + 0.395 ln 0.395 + 0.005 ln 0.005) = 0.306495 + 0.366903 + 0.026492
    expect(result.entropy).toBeCloseTo(0.69989, 5);
  });

  it('two categories on one component are reported as such', () => {
    const result = evaluateMixture({ samples: [0, 0, 0.5, 0], sampleCategories: [0, 1], prior: [0.5, 0.5], centers: CENTERS, probabilities: [0.5, 0.5], std: 1 });
    expect(result.distinctComponents).toBe(false);
    expect(result.recoveredProbabilities).toEqual([1, 0]);
    expect(result.totalVariation).toBe(0.5);
    expect(result.modesCovered).toBe(1);
  });

  it('names bad input', () => {
    expect(invalidArgumentMessage(() => evaluateMixture({ samples: [0, 0, 1], sampleCategories: [0, 1], prior: [1], centers: CENTERS, probabilities: [0.5, 0.5], std: 1 }))).toBe(
      'evaluateMixture: input.samples must be 2 × 2 = 4 values, got 3.',
    );
    expect(invalidArgumentMessage(() => evaluateMixture({ samples: [0, 0], sampleCategories: [0], prior: [0.7], centers: CENTERS, probabilities: [0.5, 0.5], std: 1 }))).toMatch(
      /^evaluateMixture: input.prior must be probabilities summing to 1/,
    );
  });
});

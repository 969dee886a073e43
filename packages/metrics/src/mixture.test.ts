import { invalidArgumentMessage } from '@gantry/backend/testing';
import { describe, expect, it } from 'vitest';
import { evaluateMixture, mixtureRecovery } from './index.js';

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

  it('modesCovered counts components with at least 1% of all samples high quality; sampleTotalVariation compares their shares with the truth', () => {
    // 200 samples on four centers (std 1, radius 3): 100 on (0, 0), 60 on (10, 0), 1 on (0, 10)
    // (0.5% of the samples: not covered), 2 on (10, 10) (1%: covered), and 37 at (5, 5), 7.07
    // from every center: low quality.
    const at = (point: number[], count: number): number[] => Array.from({ length: count }, () => point).flat();
    const samples = [...at([0, 0], 100), ...at([10, 0], 60), ...at([0, 10], 1), ...at([10, 10], 2), ...at([5, 5], 37)];
    const four = [[0, 0], [10, 0], [0, 10], [10, 10]];
    const result = evaluateMixture({ samples, sampleCategories: new Array<number>(200).fill(0), prior: [1], centers: four, probabilities: [0.4, 0.3, 0.2, 0.1], std: 1 });
    expect(result.coveredComponents).toEqual([0, 1, 3]);
    expect(result.modesCovered).toBe(3);
    expect(result.highQualityFraction).toBe(163 / 200);
    expect(result.sampleFrequencies).toEqual([100 / 163, 60 / 163, 1 / 163, 2 / 163]);
    // ½(|0.61350 − 0.4| + |0.36810 − 0.3| + |0.00613 − 0.2| + |0.01227 − 0.1|) = ½ · 0.56319
    expect(result.sampleTotalVariation).toBeCloseTo(0.281595, 5);
    // Coverage is a share of all 200 samples, not of the 163 high-quality ones: at 0.5% the single
    // sample on (0, 10) counts, at 0.55% it does not (1/163 = 0.61% would).
    const covered = (coverage: number): number => evaluateMixture({ samples, sampleCategories: new Array<number>(200).fill(0), prior: [1], centers: four, probabilities: [0.4, 0.3, 0.2, 0.1], std: 1, coverage }).modesCovered;
    expect([covered(0.005), covered(0.0055)]).toEqual([4, 3]);
  });

  it('at its edges: the radius and threshold inclusive, a tie to the first component, a category without samples, no high-quality sample, a zero in P(C)', () => {
    // std 0.5, radius 2: high quality within 1 of a center, inclusive; (1, 0) is exactly 1 away.
    // Category 0 (P 0.25): (1, 0) and (9, 0), one on each component (a tie: component 0).
    // Category 1 (P 0.25, exactly the threshold): no samples. Category 2 (P 0.5): (12, 0), 2 from center 1.
    // Category 3 (P 0): left out, and 0 · log 0 = 0 in the entropy.
    const evaluation = evaluateMixture({ samples: [1, 0, 9, 0, 12, 0], sampleCategories: [0, 0, 2], prior: [0.25, 0.25, 0.5, 0], centers: CENTERS, probabilities: [0.5, 0.5], std: 0.5, radius: 2, threshold: 0.25 });
    expect(evaluation.prior).toEqual([0.25, 0.25, 0.5, 0]);
    expect(evaluation.entropy).toBeCloseTo(-(0.5 * Math.log(0.25) + 0.5 * Math.log(0.5)), 12);
    // Sorted by P(c), descending; the category without samples has no component, purity 0.
    expect(evaluation.categories).toEqual([
      { category: 2, probability: 0.5, samples: 1, component: 1, purity: 1, componentShares: [0, 1], highQualityFraction: 0 },
      { category: 0, probability: 0.25, samples: 2, component: 0, purity: 0.5, componentShares: [0.5, 0.5], highQualityFraction: 1 },
      { category: 1, probability: 0.25, samples: 0, component: null, purity: 0, componentShares: [0, 0], highQualityFraction: 0 },
    ]);
    expect(evaluation.distinctComponents).toBe(true);
    expect(evaluation.highQualityFraction).toBe(2 / 3);
    expect(evaluation.sampleFrequencies).toEqual([0.5, 0.5]);
    // The P(c) of reported categories with a component, renormalised over all reported ones.
    expect(evaluation.recoveredProbabilities).toEqual([0.25, 0.5]);
    const far = evaluateMixture({ samples: [5, 5], sampleCategories: [0], prior: [1], centers: CENTERS, probabilities: [0.5, 0.5], std: 1 });
    expect(far.sampleFrequencies).toEqual([0, 0]);
    expect(far.highQualityFraction).toBe(0);
    // Categories without samples own no component: no split is reported for them.
    const empty = evaluateMixture({ samples: [0, 0, 10, 0], sampleCategories: [0, 1], prior: [0.25, 0.25, 0.25, 0.25], centers: CENTERS, probabilities: [0.5, 0.5], std: 1 });
    expect(empty.distinctComponents).toBe(true);
    expect(mixtureRecovery(empty).split).toEqual([]);
    expect(mixtureRecovery(empty).failures).toEqual(['4 categories ≥ 1% for 2 components', 'category 2 has purity 0.000 < 0.9', 'category 3 has purity 0.000 < 0.9', 'total variation 0.2500 > 0.05']);
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

describe('mixtureRecovery', () => {
  const FOUR = [
    [0, 0],
    [10, 0],
    [0, 10],
    [10, 10],
  ];
  /** n samples of `category` at each listed center. */
  function samplesAt(parts: readonly (readonly [category: number, center: number, n: number])[]): { samples: number[]; sampleCategories: number[] } {
    const samples: number[] = [];
    const sampleCategories: number[] = [];
    for (const [category, center, n] of parts) {
      for (let i = 0; i < n; i++) {
        samples.push(...(FOUR[center] as number[]));
        sampleCategories.push(category);
      }
    }
    return { samples, sampleCategories };
  }
  const truth = { centers: FOUR, probabilities: [0.1, 0.4, 0.2, 0.3], std: 1 };

  it('a run with one category per component, pure and in proportion, recovers the mixture', () => {
    const input = samplesAt([
      [0, 0, 10],
      [1, 1, 40],
      [2, 2, 20],
      [3, 3, 30],
    ]);
    const recovery = mixtureRecovery(evaluateMixture({ ...input, prior: [0.1, 0.4, 0.2, 0.3], ...truth }));
    expect(recovery).toEqual({ recovered: true, merges: [], uncovered: [], split: [], failures: [] });
  });

  it('names a merge: one category over two components is not each category on its own component', () => {
    // Category 2 (P 0.5) puts 11 samples on component 3 and 9 on component 2: purity 0.55, the paper-text failure.
    const input = samplesAt([
      [0, 0, 10],
      [1, 1, 40],
      [2, 3, 11],
      [2, 2, 9],
    ]);
    const evaluation = evaluateMixture({ ...input, prior: [0.1, 0.4, 0.5], ...truth });
    const recovery = mixtureRecovery(evaluation);
    expect(recovery.recovered).toBe(false);
    expect(recovery.merges).toEqual([{ category: 2, probability: 0.5, components: [3, 2], shares: [0.55, 0.45] }]);
    expect(recovery.uncovered).toEqual([2]);
    expect(recovery.failures).toEqual([
      '3 categories ≥ 1% for 4 components',
      'category 2 (P 0.500) is a merge: its samples fall on components 3 (55%), 2 (45%)',
      'component 2 has no category of its own',
      'total variation 0.2000 > 0.05',
    ]);
  });

  it('a merge does not hide another category’s low purity', () => {
    // Category 2 is a merge (55% and 45%); category 3 is 85% on component 3 and 15% on component 0, under mergeShare 0.2: not a merge, but impure.
    const input = samplesAt([
      [0, 0, 10],
      [1, 1, 40],
      [2, 3, 11],
      [2, 2, 9],
      [3, 3, 17],
      [3, 0, 3],
    ]);
    const recovery = mixtureRecovery(evaluateMixture({ ...input, prior: [0.1, 0.4, 0.3, 0.2], ...truth }), { mergeShare: 0.2 });
    expect(recovery.merges.map((merge) => merge.category)).toEqual([2]);
    expect(recovery.failures).toContain('category 3 has purity 0.850 < 0.9');
    expect(recovery.failures.filter((failure) => failure.startsWith('category 2 has purity'))).toEqual([]);
  });

  it('names a split, a low purity, a high total variation and a low high-quality fraction at their thresholds', () => {
    // Categories 1 and 4 both sit on component 1; category 3 is 93% pure (passes at 0.9, fails at 0.95).
    const input = samplesAt([
      [0, 0, 10],
      [1, 1, 20],
      [4, 1, 20],
      [2, 2, 20],
      [3, 3, 28],
      [3, 0, 2],
    ]);
    const evaluation = evaluateMixture({ ...input, prior: [0.1, 0.2, 0.2, 0.3, 0.2], ...truth });
    const recovery = mixtureRecovery(evaluation);
    expect(recovery.split).toEqual([{ component: 1, categories: [1, 4] }]);
    expect(recovery.failures).toEqual(['5 categories ≥ 1% for 4 components', 'component 1 is split between categories 1, 4']);
    expect(mixtureRecovery(evaluation, { purity: 0.95 }).failures).toContain('category 3 (P 0.300) is a merge: its samples fall on components 3 (93%), 0 (7%)');
    expect(mixtureRecovery(evaluation, { purity: 0.95, mergeShare: 0.1 }).failures).toContain('category 3 has purity 0.933 < 0.95');
  });

  it('its thresholds are inclusive: purity and merge share at the criterion, total variation and high-quality fraction at the limit', () => {
    const report = { category: 0, probability: 0.5, samples: 10, component: 0, purity: 0.8, componentShares: [0.8, 0.2], highQualityFraction: 0.9 };
    const evaluation = { prior: [0.5, 0.5], entropy: Math.log(2), categories: [report, { ...report, category: 1, component: 1, componentShares: [0.2, 0.8] }], distinctComponents: true, recoveredProbabilities: [0.5, 0.5], totalVariation: 0.25, highQualityFraction: 0.9, sampleFrequencies: [0.5, 0.5], coveredComponents: [0, 1], modesCovered: 2, sampleTotalVariation: 0 };
    expect(mixtureRecovery(evaluation, { purity: 0.8, totalVariation: 0.25, highQualityFraction: 0.9 })).toEqual({ recovered: true, merges: [], uncovered: [], split: [], failures: [] });
    // Just past the purity: a merge at a share equal to mergeShare, reported as a merge and not also as low purity.
    const merged = mixtureRecovery(evaluation, { purity: 0.81, mergeShare: 0.2, totalVariation: 0.25, highQualityFraction: 0.9 });
    expect(merged.failures).toEqual(['category 0 (P 0.500) is a merge: its samples fall on components 0 (80%), 1 (20%)', 'category 1 (P 0.500) is a merge: its samples fall on components 1 (80%), 0 (20%)']);
    expect(mixtureRecovery(evaluation, { purity: 0.81, mergeShare: 0.21, totalVariation: 0.25, highQualityFraction: 0.9 }).failures).toEqual(['category 0 has purity 0.800 < 0.81', 'category 1 has purity 0.800 < 0.81']);
  });

  it('a run off the components fails on its high-quality fraction alone', () => {
    // 10 of category 2's samples sit at (0, 13.5), 3.5σ from their component: not high quality, still nearest to it.
    const input = samplesAt([
      [0, 0, 10],
      [1, 1, 40],
      [2, 2, 20],
      [3, 3, 30],
    ]);
    for (let i = 0; i < 10; i++) input.samples.splice(2 * (50 + i), 2, 0, 13.5);
    const evaluation = evaluateMixture({ ...input, prior: [0.1, 0.4, 0.2, 0.3], ...truth });
    expect(evaluation.highQualityFraction).toBe(0.9);
    expect(mixtureRecovery(evaluation).failures).toEqual(['high-quality fraction 0.9000 < 0.95']);
    expect(mixtureRecovery(evaluation, { highQualityFraction: 0.9 }).recovered).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { categoryDigits } from './index.js';

describe('categoryDigits', () => {
  it('finds each category’s majority digit, its share, the P(C)-weighted consistency and the digits covered', () => {
    // Category 0: digits 3,3,3,5 (0.75 on 3). Category 1: 7,7 (1.0). Category 2: P below 1%, left out. Category 3: 3,1 (tie: 1).
    const categories = [0, 0, 0, 0, 1, 1, 2, 3, 3];
    const digits = [3, 3, 3, 5, 7, 7, 9, 3, 1];
    const report = categoryDigits(categories, digits, [0.5, 0.3, 0.005, 0.195]);
    expect(report.categories.map(({ category, digit, samples, consistency }) => [category, digit, samples, consistency])).toEqual([
      [0, 3, 4, 0.75],
      [1, 7, 2, 1],
      [3, 1, 2, 0.5],
    ]);
    expect(report.consistency).toBeCloseTo((0.5 * 0.75 + 0.3 * 1 + 0.195 * 0.5) / 0.995, 12);
    expect(report.digitsCovered).toEqual([1, 3, 7]);
  });

  it('keeps a category at exactly the minimum, reports one without samples as digit null, and is 0 when nothing is reported', () => {
    const report = categoryDigits([0, 0], [4, 4], [0.5, 0.25, 0.25], { minimum: 0.25 });
    expect(report.categories).toEqual([
      { category: 0, probability: 0.5, samples: 2, digit: 4, consistency: 1 },
      { category: 1, probability: 0.25, samples: 0, digit: null, consistency: 0 },
      { category: 2, probability: 0.25, samples: 0, digit: null, consistency: 0 },
    ]);
    expect(report.consistency).toBe(0.5);
    expect(report.digitsCovered).toEqual([4]);
    const none = categoryDigits([0], [4], [0.5, 0.5], { minimum: 0.6 });
    expect(none).toEqual({ categories: [], consistency: 0, digitsCovered: [] });
  });

  it('names a digit out of range and a length mismatch', () => {
    expect(() => categoryDigits([0], [10], [1])).toThrow('categoryDigits: digits[0] must be a digit in [0, 9], got 10.');
    expect(() => categoryDigits([0, 0], [1], [1])).toThrow('categoryDigits: digits must be one digit per sample (2), got 1.');
  });
});

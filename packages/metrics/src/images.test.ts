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

  it('names a digit out of range and a length mismatch', () => {
    expect(() => categoryDigits([0], [10], [1])).toThrow('categoryDigits: digits[0] must be a digit in [0, 9], got 10.');
    expect(() => categoryDigits([0, 0], [1], [1])).toThrow('categoryDigits: digits must be one digit per sample (2), got 1.');
  });
});

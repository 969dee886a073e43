import { describe, expect, it } from 'vitest';
import { maximumWeightMatching, oneToOneAccuracy } from './index.js';

describe('maximumWeightMatching and oneToOneAccuracy', () => {
  it('finds the best assignment where the greedy one is worse', () => {
    // Greedy takes (0, 0) = 3 and ends at 4; the best is (0, 1) + (1, 0) + (2, 2) = 5.
    expect(maximumWeightMatching([
      [3, 1, 0],
      [3, 0, 0],
      [0, 0, 1],
    ])).toEqual([1, 0, 2]);
    // More rows than columns: one row is left out.
    expect(maximumWeightMatching([[1, 5], [4, 0], [2, 2]])).toEqual([1, 0, -1]);
    expect(maximumWeightMatching([])).toEqual([]);
  });

  it('oneToOneAccuracy matches each category to at most one class', () => {
    // Categories 0 and 2 take classes 0 and 1; category 1 (one of each) gets no class: 4 of 6.
    expect(oneToOneAccuracy([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(4 / 6, 12);
    // A permutation of the labels is a perfect clustering.
    expect(oneToOneAccuracy([2, 2, 0, 0, 1], [0, 0, 1, 1, 2])).toBe(1);
  });
});

import { invalidArgumentMessage } from '@gantry/backend/testing';
import { describe, expect, it } from 'vitest';
import { clusteringAccuracy, majorityMapping, normalizedMutualInformation } from './index.js';

describe('clustering metrics', () => {
  it('accuracy with the best many-to-one matching, by hand', () => {
    // Clusters 0 → {a, a, b}, 1 → {b, b}, 2 → {a}: majorities a (2), b (2), a (1): 5 of 6 correct.
    const predicted = [0, 0, 0, 1, 1, 2];
    const truth = [7, 7, 8, 8, 8, 7];
    expect(clusteringAccuracy(predicted, truth)).toBeCloseTo(5 / 6, 12);
    expect([...majorityMapping(predicted, truth)]).toEqual([
      [0, 7],
      [1, 8],
      [2, 7],
    ]);
    // Many-to-one: splitting a class over two clusters costs nothing.
    expect(clusteringAccuracy([0, 1, 2, 2], [5, 5, 6, 6])).toBe(1);
  });

  it('NMI by hand: 1 for a relabelling, 0 for independence, and a worked mixed case', () => {
    expect(normalizedMutualInformation([1, 1, 0, 0], [0, 0, 1, 1])).toBeCloseTo(1, 12);
    // Independent: every cluster holds both classes equally, I = 0.
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
    // P = [0, 0, 1, 1], T = [0, 0, 0, 1]: p(0,0) = ½, p(1,0) = ¼, p(1,1) = ¼; p_P = (½, ½), p_T = (¾, ¼).
    // I = ½ ln(½/(½·¾)) + ¼ ln(¼/(½·¾)) + ¼ ln(¼/(½·¼)) = ½ ln(4/3) + ¼ ln(2/3) + ¼ ln 2 = 0.215762
    // H(P) = ln 2 = 0.693147, H(T) = −(¾ ln ¾ + ¼ ln ¼) = 0.562335; NMI = 0.215762 / 0.627741 = 0.343711
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(0.343711, 6);
    expect(normalizedMutualInformation([3, 3], [1, 1])).toBe(1);
  });

  it('a majority tie goes to the smallest class, whichever comes first', () => {
    expect([...majorityMapping([0, 0, 0, 0], [1, 1, 3, 3])]).toEqual([[0, 1]]);
    expect([...majorityMapping([0, 0, 0, 0], [3, 3, 1, 1])]).toEqual([[0, 1]]);
    expect([...majorityMapping([0, 0, 0, 0, 0], [3, 3, 1, 1, 3])]).toEqual([[0, 3]]);
  });

  it('NMI is 0 when only one side is a single cluster', () => {
    expect(normalizedMutualInformation([0, 1], [0, 0])).toBe(0);
    expect(normalizedMutualInformation([0, 0], [0, 1])).toBe(0);
  });

  it('rejects unpaired or non-integer labels, naming them', () => {
    expect(invalidArgumentMessage(() => clusteringAccuracy([0, 1], [0]))).toBe('clusteringAccuracy: predicted must be 1 labels (one per true label), got 2.');
    expect(invalidArgumentMessage(() => normalizedMutualInformation([0, 1.5], [0, 1]))).toBe('normalizedMutualInformation: predicted[1] must be a non-negative integer label, got 1.5.');
  });
});

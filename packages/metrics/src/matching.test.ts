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

  it('equals brute force on random square and rectangular matrices', () => {
    let state = 12345;
    const uniform = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    /** The best total over every injective assignment of the smaller side into the larger. */
    const best = (weights: number[][]): number => {
      const rows = weights.length;
      const columns = weights[0]?.length ?? 0;
      let top = -Infinity;
      const visit = (row: number, used: Set<number>, total: number): void => {
        if (row === rows) {
          top = Math.max(top, total);
          return;
        }
        // A row may stay unassigned only when there are more rows than columns.
        if (rows - row > columns - used.size) visit(row + 1, used, total);
        for (let j = 0; j < columns; j++) {
          if (used.has(j)) continue;
          used.add(j);
          visit(row + 1, used, total + (weights[row]?.[j] ?? 0));
          used.delete(j);
        }
      };
      visit(0, new Set(), 0);
      return top;
    };
    for (const [rows, columns] of [[1, 1], [2, 2], [4, 4], [5, 5], [2, 4], [3, 5], [4, 2], [5, 3]] as const) {
      for (let trial = 0; trial < 5; trial++) {
        const weights = Array.from({ length: rows }, () => Array.from({ length: columns }, () => Math.round(uniform() * 1000) / 10 - 20));
        const assignment = maximumWeightMatching(weights);
        expect(assignment).toHaveLength(rows);
        const taken = assignment.filter((column) => column >= 0);
        expect(new Set(taken).size).toBe(taken.length);
        expect(taken).toHaveLength(Math.min(rows, columns));
        expect(taken.every((column) => column < columns)).toBe(true);
        const total = assignment.reduce((sum, column, row) => sum + (column < 0 ? 0 : (weights[row]?.[column] as number)), 0);
        expect(total, `${rows} × ${columns}, trial ${trial}`).toBeCloseTo(best(weights), 9);
      }
    }
  });

  it('oneToOneAccuracy matches each category to at most one class', () => {
    // Categories 0 and 2 take classes 0 and 1; category 1 (one of each) gets no class: 4 of 6.
    expect(oneToOneAccuracy([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(4 / 6, 12);
    // A permutation of the labels is a perfect clustering.
    expect(oneToOneAccuracy([2, 2, 0, 0, 1], [0, 0, 1, 1, 2])).toBe(1);
  });
});

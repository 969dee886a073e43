import { evaluateMixture, mixtureRecovery } from '@gantry/metrics';
import { describe, expect, it } from 'vitest';
import { describeSummary, type RunSummary } from './index.js';

describe('describeSummary', () => {
  const centers = [
    [0, 0],
    [10, 0],
    [0, 10],
    [10, 10],
  ];
  /** Category k puts n samples on each listed center. */
  function summaryOf(parts: readonly (readonly [number, number, number])[], prior: number[]): RunSummary {
    const samples: number[] = [];
    const sampleCategories: number[] = [];
    for (const [category, center, n] of parts) {
      for (let i = 0; i < n; i++) {
        samples.push(...(centers[center] as number[]));
        sampleCategories.push(category);
      }
    }
    const mixture = evaluateMixture({ samples, sampleCategories, prior, centers, probabilities: [0.1, 0.4, 0.2, 0.3], std: 1 });
    return { format: 'gantry/run-summary', version: 1, recipe: 'vcagan', step: 6000, seed: 1, backend: 'cpu', prior, entropy: 1, significantCategories: [0, 1, 2], samples: samples.length / 2, mixture, recovery: mixtureRecovery(mixture), clustering: null };
  }

  it('says plainly when two components share a category', () => {
    // The paper-text failure: one category over the two closest components, at purity 0.55.
    const lines = describeSummary(summaryOf([[0, 0, 10], [1, 1, 40], [2, 3, 11], [2, 2, 9]], [0.1, 0.4, 0.5]));
    expect(lines).toContain('  recovered the mixture: NO (wanted 4 categories, one per component, purity ≥ 0.9, TV ≤ 0.05, high-quality ≥ 0.95):');
    expect(lines).toContain('    - category 2 (P 0.500) is a merge: its samples fall on components 3 (55%), 2 (45%)');
    expect(lines).toContain('    - component 2 has no category of its own');
    expect(lines.join('\n')).not.toMatch(/own component: yes/);
  });

  it('says yes only for one pure category per component', () => {
    const lines = describeSummary(summaryOf([[0, 0, 10], [1, 1, 40], [2, 2, 20], [3, 3, 30]], [0.1, 0.4, 0.2, 0.3]));
    expect(lines).toContain('  recovered the mixture: yes, 4 categories, one per component (purity ≥ 0.9, TV ≤ 0.05, high-quality ≥ 0.95)');
  });
});

import * as tf from '@tensorflow/tfjs';
import { evaluateMixture, mixtureRecovery } from '@gantry/metrics';
import type { Trainer } from '@gantry/trainer';
import { describe, expect, it } from 'vitest';
import { evaluateRun } from './evaluate.js';
import { describeSummary, type RunSummary } from './index.js';

describe('evaluateRun', () => {
  it('reports the virtual labels, the mean Q(c|x) and the confidence beside the clustering', () => {
    // Class 0 points: Q = [0.6, 0.4, 0]; class 1 points: Q = [0, 0.1, 0.9]. The argmax gives
    // category 1 no point, yet the mean of Q, which the prior follows, gives it 0.25.
    const logitsOf = (q: number[]): number[] => q.map((p) => Math.log(Math.max(p, 1e-30)));
    const rows = [logitsOf([0.6, 0.4, 0]), logitsOf([0.6, 0.4, 0]), logitsOf([0, 0.1, 0.9]), logitsOf([0, 0.1, 0.9])];
    const x = tf.tensor2d([[0], [1], [2], [3]]);
    const classify = (batch: tf.Tensor): tf.Tensor => tf.gather(tf.tensor2d(rows), tf.cast(tf.squeeze(batch, [1]), 'int32'));
    const trainer = {
      step: 7,
      setup: { classify },
      prior: { probabilities: () => [0.5, 0.25, 0.25], entropy: () => 1.04 },
    } as unknown as Trainer;
    const before = tf.memory().numTensors;
    const summary = evaluateRun(trainer, { source: undefined as never, mixture: undefined, evaluation: { x, labels: new Int32Array([0, 0, 1, 1]) } }, { recipe: 'vcagan', seed: 1, backend: 'cpu' });
    expect(tf.memory().numTensors).toBe(before);
    const c = summary.clustering;
    expect(c?.accuracy).toBe(1);
    expect(c?.virtualLabels).toEqual([0.5, 0, 0.5]);
    expect(c?.meanProbabilities[0]).toBeCloseTo(0.3, 5);
    expect(c?.meanProbabilities[1]).toBeCloseTo(0.25, 5);
    expect(c?.meanProbabilities[2]).toBeCloseTo(0.45, 5);
    expect(c?.confidence).toBeCloseTo(0.75, 5);
    expect(c?.oneToOne).toBe(1);
    expect(summary.images).toBeNull();
    expect(describeSummary(summary)).toContain('  virtual labels: 2 categories hold ≥ 1% of the points; mean max Q(c|x) 0.7500; one-to-one accuracy 1.0000');
    x.dispose();
  });
});

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
    return { format: 'gantry/run-summary', version: 1, recipe: 'vcagan', step: 6000, seed: 1, backend: 'cpu', prior, entropy: 1, significantCategories: [0, 1, 2], samples: samples.length / 2, mixture, recovery: mixtureRecovery(mixture), clustering: null, images: null };
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

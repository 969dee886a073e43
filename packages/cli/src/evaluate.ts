import * as tf from '@tensorflow/tfjs-core';
import { clusteringAccuracy, evaluateMixture, majorityMapping, mixtureRecovery, normalizedMutualInformation, type MixtureEvaluation, type MixtureRecovery } from '@gantry/metrics';
import type { Trainer } from '@gantry/trainer';
import type { RunData } from './session.js';

/**
 * `summary.json`: what a run achieved. Schema (version 1):
 * - `step`, `recipe`, `seed`, `backend`: which run and how far.
 * - `prior`, `entropy`: P(C) and its entropy in nats; `significantCategories`: the categories with P ≥ 1%.
 * - `mixture` (Gaussian-mixture data only): `evaluateMixture` of @gantry/metrics on `samples` generated
 *   points: per category its component and purity, the high-quality fraction (within 3σ),
 *   modes covered, recovered component probabilities and their total variation to the truth;
 *   `recovery`: `mixtureRecovery` of it (as many categories as components, each on its own
 *   component with purity ≥ 0.9, TV ≤ 0.05, high-quality fraction ≥ 0.95), with each merge,
 *   split and uncovered component named.
 * - `clustering` (labelled data and a recipe with a classifier): the classifier's argmax on
 *   `points` labelled points, as clustering accuracy (best many-to-one matching) and NMI, and
 *   the class each category maps to.
 */
export interface RunSummary {
  readonly format: 'gantry/run-summary';
  readonly version: 1;
  readonly recipe: string;
  readonly step: number;
  readonly seed: number;
  readonly backend: string;
  readonly prior: readonly number[];
  readonly entropy: number;
  readonly significantCategories: readonly number[];
  readonly samples: number;
  readonly mixture: MixtureEvaluation | null;
  readonly recovery: MixtureRecovery | null;
  readonly clustering: { readonly points: number; readonly accuracy: number; readonly nmi: number; readonly mapping: Readonly<Record<string, number>> } | null;
}

/** Evaluates a trained run: generated samples against the mixture, the classifier against labels. */
export function evaluateRun(trainer: Trainer, data: RunData, run: { readonly recipe: string; readonly seed: number; readonly backend: string }, samples = 10_000): RunSummary {
  const prior = trainer.prior.probabilities();
  let mixture: MixtureEvaluation | null = null;
  if (data.mixture !== undefined) {
    const generated = trainer.sample(samples, { seed: run.seed + 1 });
    const points = generated.x.dataSync();
    generated.x.dispose();
    mixture = evaluateMixture({
      samples: points,
      sampleCategories: generated.categories,
      prior,
      centers: data.mixture.centers,
      probabilities: data.mixture.probabilities,
      std: data.mixture.std,
    });
  }
  let clustering: RunSummary['clustering'] = null;
  const classify = trainer.setup.classify;
  if (data.evaluation !== undefined && classify !== undefined) {
    const { x, labels } = data.evaluation;
    const predicted = tf.tidy(() => {
      const count = x.shape[0] as number;
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < count; start += 500) parts.push(tf.argMax(classify(tf.slice(x, start, Math.min(500, count - start))), -1));
      return tf.concat(parts);
    });
    const categories = predicted.dataSync() as Int32Array;
    predicted.dispose();
    clustering = {
      points: labels.length,
      accuracy: clusteringAccuracy(categories, labels),
      nmi: normalizedMutualInformation(categories, labels),
      mapping: Object.fromEntries([...majorityMapping(categories, labels)].sort(([a], [b]) => a - b).map(([category, label]) => [String(category), label])),
    };
  }
  return {
    format: 'gantry/run-summary',
    version: 1,
    recipe: run.recipe,
    step: trainer.step,
    seed: run.seed,
    backend: run.backend,
    prior,
    entropy: trainer.prior.entropy(),
    significantCategories: prior.flatMap((p, k) => (p >= 0.01 ? [k] : [])),
    samples: mixture === null ? 0 : samples,
    mixture,
    recovery: mixture === null ? null : mixtureRecovery(mixture),
    clustering,
  };
}

/** The summary as the lines `gantry train` and `gantry eval` print. */
export function describeSummary(summary: RunSummary): string[] {
  const lines = [`step ${summary.step}: P(C) entropy ${summary.entropy.toFixed(4)} nats; categories with P ≥ 1%: ${summary.significantCategories.length}`];
  if (summary.mixture !== null) {
    const m = summary.mixture;
    lines.push('  category  P(C)     component  purity  high-quality');
    for (const report of m.categories) {
      lines.push(`  ${String(report.category).padStart(8)}  ${report.probability.toFixed(4)}   ${String(report.component ?? '-').padStart(9)}  ${report.purity.toFixed(3)}   ${report.highQualityFraction.toFixed(3)}`);
    }
    lines.push(`  high-quality fraction ${m.highQualityFraction.toFixed(4)} (within 3σ of a center); modes covered ${m.modesCovered}/${m.recoveredProbabilities.length}`);
    lines.push(`  recovered component probabilities [${m.recoveredProbabilities.map((p) => p.toFixed(4)).join(', ')}], total variation to the truth ${m.totalVariation.toFixed(4)}`);
    const recovery = summary.recovery ?? mixtureRecovery(m);
    const components = m.recoveredProbabilities.length;
    lines.push(
      recovery.recovered
        ? `  recovered the mixture: yes, ${components} categories, one per component (purity ≥ 0.9, TV ≤ 0.05, high-quality ≥ 0.95)`
        : `  recovered the mixture: NO (wanted ${components} categories, one per component, purity ≥ 0.9, TV ≤ 0.05, high-quality ≥ 0.95):`,
    );
    for (const failure of recovery.failures) lines.push(`    - ${failure}`);
  }
  if (summary.clustering !== null) {
    lines.push(`  classifier on ${summary.clustering.points} labelled points: clustering accuracy ${summary.clustering.accuracy.toFixed(4)}, NMI ${summary.clustering.nmi.toFixed(4)}`);
  }
  return lines;
}

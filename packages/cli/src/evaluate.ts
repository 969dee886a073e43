import * as tf from '@tensorflow/tfjs-core';
import { categoryDigits, clusteringAccuracy, evaluateMixture, frechetDistance, majorityMapping, mixtureRecovery, normalizedMutualInformation, oneToOneAccuracy, type CategoryDigits, type MixtureEvaluation, type FeatureSet, type MixtureRecovery, type ReferenceClassifier } from '@gantry/metrics';
import type { Trainer } from '@gantry/trainer';
import type { RunData } from './session.js';
import type { Provenance } from './provenance.js';

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
 *   the class each category maps to. Beside it, what the classifier Q tells the prior:
 *   `virtualLabels`, the share of the points whose argmax (VCAGAN's virtual label) is each
 *   category; `meanProbabilities`, the mean of Q(c|x) over the points, which P(C)'s EMA follows
 *   (Sec. 3.3), so a category can hold prior mass with no virtual label at all;
 *   `confidence`, the mean of max_c Q(c|x); and `oneToOne`, the accuracy of the best
 *   one-to-one matching of categories to classes (ClusterGAN's ACC).
 * - `images` (MNIST, scored by @gantry/metrics' reference classifier): for each category
 *   ≥ 1%, the digit the classifier gives most of its `samples` generated images and the
 *   share it gets (class consistency), their P(C)-weighted mean, the digits covered, and the
 *   Fréchet distance between the generated images and the labelled evaluation images (the
 *   10,000 test images) on the classifier's 64 penultimate features.
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
  readonly clustering: ClusteringSummary | null;
  readonly images: ImageSummary | null;
  /** The code, TF.js, backend and machine that evaluated the run (`gantry train` and `gantry eval` add it). */
  readonly provenance?: Provenance;
}

/** `summary.json`'s `images`: see {@link RunSummary}. */
export interface ImageSummary {
  readonly samples: number;
  readonly categories: readonly CategoryDigits[];
  readonly consistency: number;
  readonly digitsCovered: readonly number[];
  readonly frechetDistance: number;
}

/** `summary.json`'s `clustering`: see {@link RunSummary}. */
export interface ClusteringSummary {
  readonly points: number;
  readonly accuracy: number;
  readonly nmi: number;
  readonly mapping: Readonly<Record<string, number>>;
  readonly virtualLabels: readonly number[];
  readonly meanProbabilities: readonly number[];
  readonly confidence: number;
  readonly oneToOne: number;
}

/**
 * Evaluates a trained run: generated samples against the mixture, the classifier against
 * labels, and, given a `reference` classifier, generated images by it.
 */
export function evaluateRun(trainer: Trainer, data: RunData, run: { readonly recipe: string; readonly seed: number; readonly backend: string }, samples = 10_000, reference?: ReferenceClassifier): RunSummary {
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
    const count = x.shape[0] as number;
    const [predicted, probabilitySums, confidenceSum] = tf.tidy(() => {
      const argmaxes: tf.Tensor[] = [];
      const sums: tf.Tensor[] = [];
      const maxima: tf.Tensor[] = [];
      for (let start = 0; start < count; start += 500) {
        const logits = classify(tf.slice(x, start, Math.min(500, count - start)));
        const q = tf.softmax(logits);
        argmaxes.push(tf.argMax(logits, -1));
        sums.push(tf.sum(q, 0));
        maxima.push(tf.sum(tf.max(q, -1)));
      }
      return [tf.concat(argmaxes), tf.addN(sums), tf.addN(maxima)];
    });
    const categories = predicted.dataSync() as Int32Array;
    const meanProbabilities = Array.from(probabilitySums.dataSync(), (v) => v / count);
    const confidence = (confidenceSum.dataSync()[0] as number) / count;
    tf.dispose([predicted, probabilitySums, confidenceSum]);
    const counts = meanProbabilities.map(() => 0);
    for (const category of categories) counts[category] = (counts[category] as number) + 1;
    const virtualLabels = counts.map((n) => n / count);
    clustering = {
      points: labels.length,
      accuracy: clusteringAccuracy(categories, labels),
      nmi: normalizedMutualInformation(categories, labels),
      mapping: Object.fromEntries([...majorityMapping(categories, labels)].sort(([a], [b]) => a - b).map(([category, label]) => [String(category), label])),
      virtualLabels,
      meanProbabilities,
      confidence,
      oneToOne: oneToOneAccuracy(categories, labels),
    };
  }
  const images = reference !== undefined && data.evaluation !== undefined ? evaluateImages(trainer, reference, data.evaluation.x, samples, run.seed + 1, prior) : null;
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
    images,
  };
}

/** Rows of feature vectors from parts, as one {@link FeatureSet}. */
function joinFeatures(parts: readonly Float32Array[], rows: number): FeatureSet {
  const values = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (values.set(part, offset), offset + part.length), 0);
  return { values, dimension: values.length / rows };
}

/** The reference classifier's features of `x` (500 images at a time). */
export function referenceFeatures(reference: ReferenceClassifier, x: tf.Tensor): FeatureSet {
  const chunk = 500;
  const parts: Float32Array[] = [];
  const total = x.shape[0] as number;
  for (let start = 0; start < total; start += chunk) {
    parts.push(tf.tidy(() => reference.features(tf.slice(x, start, Math.min(chunk, total - start)))).dataSync() as Float32Array);
  }
  return joinFeatures(parts, total);
}

/**
 * `count` generated images (500 at a time, seeds from `seed`: the same draws every call),
 * read by the reference classifier: each one's category, predicted digit and features.
 */
export function generatedReadings(trainer: Trainer, reference: ReferenceClassifier, count: number, seed: number): { categories: number[]; digits: number[]; features: FeatureSet } {
  const chunk = 500;
  const categories: number[] = [];
  const digits: number[] = [];
  const generated: Float32Array[] = [];
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const sample = trainer.sample(n, { seed: seed + start / chunk });
    const [predicted, features] = tf.tidy(() => [tf.argMax(reference.logits(sample.x), -1), reference.features(sample.x)]);
    digits.push(...(predicted.dataSync() as Int32Array));
    generated.push(features.dataSync() as Float32Array);
    categories.push(...sample.categories);
    tf.dispose([sample.x, predicted, features]);
  }
  return { categories, digits, features: joinFeatures(generated, count) };
}

/** `images` of the summary: `count` generated images (seeds from `seed`) against `real`. */
function evaluateImages(trainer: Trainer, reference: ReferenceClassifier, real: tf.Tensor, count: number, seed: number, prior: readonly number[]): ImageSummary {
  const readings = generatedReadings(trainer, reference, count, seed);
  const report = categoryDigits(readings.categories, readings.digits, prior);
  return { samples: count, categories: report.categories, consistency: report.consistency, digitsCovered: report.digitsCovered, frechetDistance: frechetDistance(readings.features, referenceFeatures(reference, real)) };
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
    const c = summary.clustering;
    const samples = summary.images === null ? 'points' : 'images';
    lines.push(`  classifier on ${c.points} labelled ${samples}: clustering accuracy ${c.accuracy.toFixed(4)}, NMI ${c.nmi.toFixed(4)}`);
    const labelled = c.virtualLabels.filter((share) => share >= 0.01).length;
    lines.push(`  virtual labels: ${labelled} categories hold ≥ 1% of the ${samples}; mean max Q(c|x) ${c.confidence.toFixed(4)}; one-to-one accuracy ${c.oneToOne.toFixed(4)}`);
  }
  if (summary.images !== null) {
    const m = summary.images;
    lines.push(`  generated images (${m.samples}), by the reference classifier: class consistency ${m.consistency.toFixed(4)}; digits covered ${m.digitsCovered.length}/10 [${m.digitsCovered.join(', ')}]; Fréchet distance to the test images ${m.frechetDistance.toFixed(2)}`);
    lines.push(`    category → digit (share): ${m.categories.map((report) => `${report.category} → ${report.digit ?? '-'} (${report.consistency.toFixed(2)})`).join(', ')}`);
  }
  return lines;
}

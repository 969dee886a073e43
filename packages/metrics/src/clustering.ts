import { InvalidArgumentError } from '@gantry/backend';
import { maximumWeightMatching } from './matching.js';

function expectLabels(caller: string, argument: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0) throw new InvalidArgumentError(caller, `${argument}[${i}]`, 'a non-negative integer label', String(label));
  }
}

function expectPaired(caller: string, predicted: ArrayLike<number>, truth: ArrayLike<number>): void {
  if (predicted.length !== truth.length) throw new InvalidArgumentError(caller, 'predicted', `${truth.length} labels (one per true label)`, `${predicted.length}`);
  if (predicted.length === 0) throw new InvalidArgumentError(caller, 'predicted', 'at least one label', 'none');
  expectLabels(caller, 'predicted', predicted);
  expectLabels(caller, 'truth', truth);
}

/** The contingency table counts[p][t] of predicted cluster p and true class t, as nested maps. */
function contingency(predicted: ArrayLike<number>, truth: ArrayLike<number>): Map<number, Map<number, number>> {
  const table = new Map<number, Map<number, number>>();
  for (let i = 0; i < predicted.length; i++) {
    const row = table.get(predicted[i] as number) ?? new Map<number, number>();
    row.set(truth[i] as number, (row.get(truth[i] as number) ?? 0) + 1);
    table.set(predicted[i] as number, row);
  }
  return table;
}

/**
 * Clustering accuracy with the best many-to-one matching: each predicted cluster is mapped
 * to the true class most of its points have, and the accuracy is the fraction of points
 * whose cluster maps to their class. Many-to-one, so a VCAGAN that splits a class over two
 * categories is not penalised for the split (the paper's MNIST categories, Figs. 5-7),
 * only for mixing classes within a category.
 */
export function clusteringAccuracy(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  expectPaired('clusteringAccuracy', predicted, truth);
  let correct = 0;
  for (const row of contingency(predicted, truth).values()) correct += Math.max(...row.values());
  return correct / predicted.length;
}

/** The majority true class of each predicted cluster: the matching {@link clusteringAccuracy} uses. */
export function majorityMapping(predicted: ArrayLike<number>, truth: ArrayLike<number>): Map<number, number> {
  expectPaired('majorityMapping', predicted, truth);
  const mapping = new Map<number, number>();
  for (const [cluster, row] of contingency(predicted, truth)) {
    // Stryker disable next-line UnaryOperator: equivalent: the first label always replaces it, bestCount starting below any count
    let best = -1;
    let bestCount = -1;
    // In ascending label order, so that a tie goes to the smallest label.
    for (const [label, count] of [...row].sort(([a], [b]) => a - b)) {
      if (count > bestCount) [best, bestCount] = [label, count];
    }
    mapping.set(cluster, best);
  }
  return mapping;
}

function entropy(counts: Iterable<number>, total: number): number {
  let h = 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: the counts are tallies of labels that occur, never 0 (the line's count <= 0 mutant, which zeroes every entropy, is hidden with them)
  for (const count of counts) if (count > 0) h -= (count / total) * Math.log(count / total);
  return h;
}

/**
 * Normalized mutual information NMI = I(P; T) / ((H(P) + H(T)) / 2), in [0, 1] (the
 * arithmetic-mean normalisation, scikit-learn's default). 1 when the clusters are the
 * classes up to renaming; defined as 1 when both labelings are a single cluster.
 */
export function normalizedMutualInformation(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  expectPaired('normalizedMutualInformation', predicted, truth);
  const n = predicted.length;
  const table = contingency(predicted, truth);
  const truthCounts = new Map<number, number>();
  for (let i = 0; i < n; i++) truthCounts.set(truth[i] as number, (truthCounts.get(truth[i] as number) ?? 0) + 1);
  const predictedCounts = new Map<number, number>([...table].map(([cluster, row]) => [cluster, [...row.values()].reduce((a, b) => a + b, 0)]));
  let mutual = 0;
  for (const [cluster, row] of table) {
    for (const [label, count] of row) {
      mutual += (count / n) * Math.log((count * n) / ((predictedCounts.get(cluster) as number) * (truthCounts.get(label) as number)));
    }
  }
  const hp = entropy(predictedCounts.values(), n);
  const ht = entropy(truthCounts.values(), n);
  if (hp === 0 && ht === 0) return 1;
  return Math.max(0, Math.min(1, mutual / ((hp + ht) / 2)));
}

/**
 * Clustering accuracy with the best one-to-one matching (ClusterGAN's ACC): each predicted
 * cluster is matched to at most one true class and each class to at most one cluster, by
 * {@link maximumWeightMatching} on the contingency table, and the accuracy is the fraction
 * of points whose cluster is matched to their class. With more clusters than classes, the
 * unmatched clusters' points count as errors: a split class costs what its smaller part holds.
 */
export function oneToOneAccuracy(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  expectPaired('oneToOneAccuracy', predicted, truth);
  const table = contingency(predicted, truth);
  const clusters = [...table.keys()];
  const classes = [...new Set(Array.from(truth))];
  const weights = clusters.map((cluster) => classes.map((label) => (table.get(cluster) as Map<number, number>).get(label) ?? 0));
  const assignment = maximumWeightMatching(weights);
  let correct = 0;
  assignment.forEach((column, row) => {
    if (column >= 0) correct += (weights[row] as number[])[column] as number;
  });
  return correct / predicted.length;
}

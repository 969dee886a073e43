import { expectNumber, expectProbabilityRows, InvalidArgumentError } from '@gantry/backend';

/** What {@link evaluateMixture} needs: generated samples with their categories, P(C), and the true mixture. */
export interface MixtureEvaluationInput {
  /** Generated points, row-major, n × dimension. */
  readonly samples: ArrayLike<number>;
  /** The category each sample was generated with (c of G(z, c)), n of them. */
  readonly sampleCategories: ArrayLike<number>;
  /** P(C) at evaluation time. */
  readonly prior: readonly number[];
  /** The true mixture. */
  readonly centers: readonly (readonly number[])[];
  readonly probabilities: readonly number[];
  readonly std: number;
  /** Categories below this probability are ignored, as in the paper's Figs. 4-7. Default 0.01. */
  readonly threshold?: number;
  /** "High quality" means within `radius`·σ of a center. Default 3. */
  readonly radius?: number;
  /** A component counts as covered when at least this fraction of all samples are high quality around it. Default 0.01. */
  readonly coverage?: number;
}

/** One category of P(C) at or above the threshold. */
export interface CategoryReport {
  readonly category: number;
  readonly probability: number;
  /** How many samples were generated with it. */
  readonly samples: number;
  /** The component most of its samples are nearest to (null without samples). */
  readonly component: number | null;
  /** The fraction of its samples nearest to `component`. */
  readonly purity: number;
  /** The fraction of its samples nearest to each component (sums to 1; all 0 without samples): where a merged category's samples go. */
  readonly componentShares: readonly number[];
  /** The fraction of its samples within radius·σ of some center. */
  readonly highQualityFraction: number;
}

/** The metrics of a conditional generator on a known mixture. */
export interface MixtureEvaluation {
  /** P(C) and its entropy in nats. */
  readonly prior: readonly number[];
  readonly entropy: number;
  /** Categories with P ≥ threshold, most probable first. */
  readonly categories: readonly CategoryReport[];
  /** Whether every reported category sits on a different component. */
  readonly distinctComponents: boolean;
  /** The fraction of samples within radius·σ of some center; 1 − this is the paper's "lines between clusters". */
  readonly highQualityFraction: number;
  /** Components with at least `coverage` of the samples high quality around them. */
  readonly coveredComponents: readonly number[];
  readonly modesCovered: number;
  /**
   * Each component's probability as P(C) recovers it: the mass of the reported categories
   * on that component, renormalised over the reported categories (how the paper reads Fig. 4).
   */
  readonly recoveredProbabilities: readonly number[];
  /** ½ Σ |recovered − true|. */
  readonly totalVariation: number;
  /** Each component's share of the high-quality samples, and its total variation to the truth. */
  readonly sampleFrequencies: readonly number[];
  readonly sampleTotalVariation: number;
}

function totalVariation(a: readonly number[], b: readonly number[]): number {
  return 0.5 * a.reduce((sum, value, k) => sum + Math.abs(value - (b[k] as number)), 0);
}

/**
 * Evaluates generated samples against a known Gaussian mixture: what the paper reads off
 * Figs. 2-4. Each sample is assigned its nearest center; it is high quality when within
 * radius·σ (Euclidean) of it. For a perfect generator in 2-D that is P(r ≤ 3σ) = 1 − e^(−4.5)
 * = 0.989 of the samples, not 1.
 */
export function evaluateMixture(input: MixtureEvaluationInput): MixtureEvaluation {
  const caller = 'evaluateMixture';
  const { centers, prior } = input;
  const components = centers.length;
  const dimension = centers[0]?.length ?? 0;
  // No centers leaves dimension 0 too.
  if (dimension === 0) throw new InvalidArgumentError(caller, 'input.centers', 'at least one center of dimension >= 1', JSON.stringify(centers));
  // Stryker disable next-line ArrayDeclaration: equivalent: a shape of one row of values.length and an empty shape both mean one row of all the values
  expectProbabilityRows(caller, 'input.probabilities', input.probabilities, [input.probabilities.length]);
  if (input.probabilities.length !== components) throw new InvalidArgumentError(caller, 'input.probabilities', `${components} probabilities (one per center)`, `${input.probabilities.length}`);
  // Stryker disable next-line ArrayDeclaration: equivalent: as above
  expectProbabilityRows(caller, 'input.prior', prior, [prior.length]);
  const std = expectNumber(caller, 'input.std', input.std, { min: 0, exclusive: true });
  const threshold = expectNumber(caller, 'input.threshold', input.threshold ?? 0.01, { min: 0, max: 1 });
  const radius = expectNumber(caller, 'input.radius', input.radius ?? 3, { min: 0, exclusive: true });
  const coverage = expectNumber(caller, 'input.coverage', input.coverage ?? 0.01, { min: 0, max: 1 });
  const n = input.sampleCategories.length;
  if (n === 0) throw new InvalidArgumentError(caller, 'input.sampleCategories', 'at least one sample', 'none');
  if (input.samples.length !== n * dimension) throw new InvalidArgumentError(caller, 'input.samples', `${n} × ${dimension} = ${n * dimension} values`, `${input.samples.length}`);

  const nearest = new Int32Array(n);
  const highQuality = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let k = 0; k < components; k++) {
      let squared = 0;
      for (let j = 0; j < dimension; j++) squared += ((input.samples[i * dimension + j] as number) - ((centers[k] as readonly number[])[j] as number)) ** 2;
      if (!Number.isFinite(squared)) throw new InvalidArgumentError(caller, `input.samples (sample ${i})`, 'finite', 'a non-finite value');
      if (squared < bestDistance) [best, bestDistance] = [k, squared];
    }
    nearest[i] = best;
    highQuality[i] = Math.sqrt(bestDistance) <= radius * std ? 1 : 0;
  }

  const categories: CategoryReport[] = [];
  prior.forEach((probability, category) => {
    if (probability < threshold) return;
    const counts = new Array<number>(components).fill(0);
    let count = 0;
    let good = 0;
    // Stryker disable next-line EqualityOperator: equivalent: i = n reads sampleCategories[n], undefined, which is no category (its >= sibling is hidden with it)
    for (let i = 0; i < n; i++) {
      if (input.sampleCategories[i] !== category) continue;
      count += 1;
      good += highQuality[i] as number;
      counts[nearest[i] as number] = (counts[nearest[i] as number] as number) + 1;
    }
    const top = counts.reduce((found, value, k) => (value > (counts[found] as number) ? k : found), 0);
    categories.push({
      category,
      probability,
      samples: count,
      component: count === 0 ? null : top,
      purity: count === 0 ? 0 : (counts[top] as number) / count,
      componentShares: counts.map((value) => (count === 0 ? 0 : value / count)),
      highQualityFraction: count === 0 ? 0 : good / count,
    });
  });
  categories.sort((a, b) => b.probability - a.probability);
  const assigned = categories.map((report) => report.component).filter((component): component is number => component !== null);
  const reportedMass = categories.reduce((sum, report) => sum + report.probability, 0);
  const recovered = new Array<number>(components).fill(0);
  for (const report of categories) if (report.component !== null) recovered[report.component] = (recovered[report.component] as number) + report.probability / reportedMass;

  const goodCounts = new Array<number>(components).fill(0);
  let goodTotal = 0;
  // Stryker disable next-line EqualityOperator: equivalent: i = n reads highQuality[n], undefined, which is not 1 (its >= sibling is hidden with it)
  for (let i = 0; i < n; i++) {
    if (highQuality[i] === 1) {
      goodCounts[nearest[i] as number] = (goodCounts[nearest[i] as number] as number) + 1;
      goodTotal += 1;
    }
  }
  const sampleFrequencies = goodCounts.map((count) => (goodTotal === 0 ? 0 : count / goodTotal));
  const coveredComponents = goodCounts.flatMap((count, k) => (count / n >= coverage ? [k] : []));
  return {
    prior: [...prior],
    entropy: -prior.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0),
    categories,
    distinctComponents: new Set(assigned).size === assigned.length,
    highQualityFraction: goodTotal / n,
    coveredComponents,
    modesCovered: coveredComponents.length,
    recoveredProbabilities: recovered,
    totalVariation: totalVariation(recovered, input.probabilities),
    sampleFrequencies,
    sampleTotalVariation: totalVariation(sampleFrequencies, input.probabilities),
  };
}

/** What {@link mixtureRecovery} demands. The defaults are Gantry's discovery criterion (docs/results/gaussian.md). */
export interface RecoveryCriteria {
  /** The least purity of every category ≥ threshold. Default 0.9. */
  readonly purity?: number;
  /** The largest total variation between recovered and true component probabilities. Default 0.05. */
  readonly totalVariation?: number;
  /** The least high-quality fraction (samples within radius·σ of a center). Default 0.95. */
  readonly highQualityFraction?: number;
  /** A component counts as part of a merged category when it holds at least this share of the category's samples. Default 0.05. */
  readonly mergeShare?: number;
}

/** Whether a run found the mixture's components, and if not, why, in plain words. */
export interface MixtureRecovery {
  /**
   * As many categories ≥ threshold as components, each on its own component with purity ≥
   * `purity`, total variation ≤ `totalVariation` and a high-quality fraction ≥ `highQualityFraction`.
   */
  readonly recovered: boolean;
  /** Categories under the purity bar whose samples fall on several components (each ≥ `mergeShare`): the components, most samples first. */
  readonly merges: readonly { readonly category: number; readonly probability: number; readonly components: readonly number[]; readonly shares: readonly number[] }[];
  /** Components that no category has as its main component. */
  readonly uncovered: readonly number[];
  /** Components that are the main component of more than one category. */
  readonly split: readonly { readonly component: number; readonly categories: readonly number[] }[];
  /** One sentence per criterion missed; empty when recovered. */
  readonly failures: readonly string[];
}

/**
 * Judges a {@link MixtureEvaluation}: did the categories recover the components, one each?
 * Reports a merge (one category over two components) and a split (two categories on one
 * component) by name, so that a summary never calls a merged run a success.
 */
export function mixtureRecovery(evaluation: MixtureEvaluation, criteria: RecoveryCriteria = {}): MixtureRecovery {
  const caller = 'mixtureRecovery';
  const purity = expectNumber(caller, 'criteria.purity', criteria.purity ?? 0.9, { min: 0, max: 1 });
  const maxTotalVariation = expectNumber(caller, 'criteria.totalVariation', criteria.totalVariation ?? 0.05, { min: 0, max: 1 });
  const minHighQuality = expectNumber(caller, 'criteria.highQualityFraction', criteria.highQualityFraction ?? 0.95, { min: 0, max: 1 });
  const mergeShare = expectNumber(caller, 'criteria.mergeShare', criteria.mergeShare ?? 0.05, { min: 0, max: 1, exclusive: true });
  const components = evaluation.recoveredProbabilities.length;
  const failures: string[] = [];
  const merges = evaluation.categories.flatMap((report) => {
    if (report.purity >= purity) return [];
    const ranked = report.componentShares
      .map((share, component) => ({ share, component }))
      .filter(({ share }) => share >= mergeShare)
      .sort((a, b) => b.share - a.share);
    return ranked.length > 1 ? [{ category: report.category, probability: report.probability, components: ranked.map((r) => r.component), shares: ranked.map((r) => r.share) }] : [];
  });
  const owners = new Map<number, number[]>();
  for (const report of evaluation.categories) if (report.component !== null) owners.set(report.component, [...(owners.get(report.component) ?? []), report.category]);
  const uncovered = Array.from({ length: components }, (_, k) => k).filter((k) => !owners.has(k));
  const split = [...owners].filter(([, categories]) => categories.length > 1).map(([component, categories]) => ({ component, categories }));
  const percent = (share: number): string => `${Math.round(share * 100)}%`;
  if (evaluation.categories.length !== components) failures.push(`${evaluation.categories.length} categories ≥ 1% for ${components} components`);
  for (const merge of merges) {
    failures.push(`category ${merge.category} (P ${merge.probability.toFixed(3)}) is a merge: its samples fall on components ${merge.components.map((c, i) => `${c} (${percent(merge.shares[i] as number)})`).join(', ')}`);
  }
  for (const k of uncovered) failures.push(`component ${k} has no category of its own`);
  for (const { component, categories } of split) failures.push(`component ${component} is split between categories ${categories.join(', ')}`);
  for (const report of evaluation.categories) {
    if (report.purity < purity && !merges.some((merge) => merge.category === report.category)) failures.push(`category ${report.category} has purity ${report.purity.toFixed(3)} < ${purity}`);
  }
  if (!(evaluation.totalVariation <= maxTotalVariation)) failures.push(`total variation ${evaluation.totalVariation.toFixed(4)} > ${maxTotalVariation}`);
  if (!(evaluation.highQualityFraction >= minHighQuality)) failures.push(`high-quality fraction ${evaluation.highQualityFraction.toFixed(4)} < ${minHighQuality}`);
  return { recovered: failures.length === 0, merges, uncovered, split, failures };
}

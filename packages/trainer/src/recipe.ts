import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@gantry/backend';
import type { CategoricalPrior, ContinuousPrior, LabelEncoding } from '@gantry/priors';

/** What one training step works on: drawn once per step and shared by all phases (Algorithm 1, lines 1-3). */
export interface StepBatch {
  /** x: a batch of real data, [batch, ...sample shape]. */
  readonly real: tf.Tensor;
  /** The dataset's labels as one-hot rows [batch, classes], for supervised recipes (ACGAN, CAGAN); absent when the data has none. */
  readonly realLabels: tf.Tensor2D | undefined;
  /** z ~ Z, [batch, d_z]. */
  readonly z: tf.Tensor2D;
  /** c_f ~ P(C), one-hot, [batch, d_c]. */
  readonly c: tf.Tensor2D;
  /** concat(z, encode(c_f)): the generator's input. */
  readonly generatorInput: tf.Tensor2D;
}

/** What a loss term sees: the step's batch, the networks, and a per-phase cache of shared forward passes. */
export interface TermContext {
  /**
   * The step being computed, from 1: the trainer's own count, saved in and restored from
   * every snapshot. A recipe that changes by step (a warm-up, an annealed weight) reads it
   * here rather than counting in a closure, so a resumed run follows the same schedule.
   */
  readonly step: number;
  readonly batch: StepBatch;
  readonly networks: Readonly<Record<string, tfl.LayersModel>>;
  /**
   * Computes a value once per phase and hands the same tensors to every term that asks for
   * the same key: D*(x_real) serves the adversarial loss, the virtual labels and the prior.
   */
  memo<T>(key: string, compute: () => T): T;
}

/** One named loss term: a scalar from the step's context. */
export type Term = (context: TermContext) => tf.Scalar;

/**
 * One update of one network: its terms, combined by `weights` (`weighted` of
 * @gantry/losses), minimised with respect to the variables of `network` only.
 */
export interface Phase {
  /** Shown in logs: `discriminator.creg`. */
  readonly name: string;
  /** The key in `networks` whose variables this phase trains. */
  readonly network: string;
  readonly terms: Readonly<Record<string, Term>>;
  /** A weight per term; a weight of 0 skips the term entirely. */
  readonly weights: Readonly<Record<string, number>>;
  /**
   * Lazy terms (the lazy regularization of StyleGAN2, Karras et al. 2020, Section 4): a term
   * with interval k is computed only at the steps that are multiples of k, with its weight ×k
   * there, so that its weight per step stays its weight on average. A term not named has
   * interval 1 (every step). Costly penalties (R1, Eq. 6) are what it is for: their double
   * backward is most of an image step. See {@link dueTerms}.
   */
  readonly intervals?: Readonly<Record<string, number>>;
  /**
   * Values to carry out of the phase for {@link RecipeSetup.updatePrior}, e.g. Q(x_real).
   * The trainer reads them back with the step's term values, in the step's one device read.
   */
  readonly observe?: (context: TermContext) => Readonly<Record<string, tf.Tensor>>;
  /**
   * What of the step number the phase's computation depends on, for a trainer that replays
   * recorded kernel plans (`createTrainer({ plan: true })`): at two steps with the same key
   * the phase must run the same kernels on the same constants, differing only in the
   * batch and the variables' values. `null`: this step's computation is its own (not
   * replayed). Absent: the phase is never replayed. A phase that ignores
   * {@link TermContext.step} declares {@link stepIndependent}.
   */
  readonly planKey?: (step: number) => string | null;
}

/**
 * The terms a phase computes at a step (from 1) and the weight each gets there: the terms of
 * nonzero weight whose interval ({@link Phase.intervals}, default 1) divides the step, each
 * weighed weight × interval.
 *
 * @example
 * ```ts
 * dueTerms({ adversarial: 1, r1: 10 }, { r1: 4 }, 8); // { adversarial: 1, r1: 40 }
 * dueTerms({ adversarial: 1, r1: 10 }, { r1: 4 }, 9); // { adversarial: 1 }
 * ```
 */
export function dueTerms(weights: Readonly<Record<string, number>>, intervals: Readonly<Record<string, number>> | undefined, step: number): Record<string, number> {
  const due: Record<string, number> = {};
  for (const [name, weight] of Object.entries(weights)) {
    const interval = intervals?.[name] ?? 1;
    if (weight !== 0 && step % interval === 0) due[name] = weight * interval;
  }
  return due;
}

/** The {@link Phase.planKey} of a phase whose computation does not depend on the step. */
export function stepIndependent(): string {
  // Stryker disable next-line StringLiteral: equivalent: any one constant keys every step alike
  return '';
}

/** A recipe made concrete for one dataset: networks, priors and the phases of a step. */
export interface RecipeSetup {
  readonly networks: Readonly<Record<string, tfl.LayersModel>>;
  /** The key of the generator in `networks`: sampled from, and averaged when a weights EMA is on. */
  readonly generator: string;
  readonly continuous: ContinuousPrior;
  /** P(C) at the start of training. */
  readonly categorical: CategoricalPrior;
  /** How c enters the generator. Default `'one-hot'`. */
  readonly labelEncoding?: LabelEncoding;
  /** The step's updates, in order (usually the discriminator, then the generator). */
  readonly phases: readonly Phase[];
  /** The classifier's logits for a batch, [batch, d_c], when the recipe has a classifier Q: used by evaluation (clustering accuracy, NMI). */
  readonly classify?: (x: tf.Tensor) => tf.Tensor;
  /**
   * After all phases: the next P(C) from what the phases observed (VCAGAN: Algorithm 1,
   * line 12), as host values ({@link observedRows} gives a matrix's rows). `step` is the
   * step just computed (from 1), as in {@link TermContext.step}.
   */
  readonly updatePrior?: (observed: Readonly<Record<string, ObservedValue>>, prior: CategoricalPrior, step: number) => CategoricalPrior;
}

/** A value a phase observed ({@link Phase.observe}), read back to the host: row-major float32 values and their shape. */
export interface ObservedValue {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** The rows of an observed matrix ([rows, columns]), e.g. Q(x_real) per sample, for `CategoricalPrior.update`. */
export function observedRows(value: ObservedValue): number[][] {
  if (value.shape.length !== 2) throw new InvalidArgumentError('observedRows', 'value.shape', '[rows, columns]', `[${value.shape.join(', ')}]`);
  const [rows, columns] = value.shape as [number, number];
  return Array.from({ length: rows }, (_, row) => Array.from(value.values.subarray(row * columns, (row + 1) * columns)));
}

/** What a recipe needs to know about the data. */
export interface DataDescription {
  /** One sample's shape: [2] for points, [28, 28, 1] for MNIST. */
  readonly sampleShape: readonly number[];
  /** The number of label classes, when the data has labels. */
  readonly classes: number | undefined;
}

/**
 * A GAN as a short declaration: given the data, it builds networks, priors and phases.
 * The trainer runs any recipe and never knows its name.
 */
export interface Recipe<Options extends object = Record<string, unknown>> {
  readonly name: string;
  /** One line for `gantry train --help`. */
  readonly description: string;
  /** Whether it trains on the dataset's labels (ACGAN, CAGAN). */
  readonly supervised: boolean;
  readonly defaults: Required<Options>;
  build(data: DataDescription, options: Options, seed: number): RecipeSetup;
}

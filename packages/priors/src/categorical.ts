import * as tf from '@tensorflow/tfjs-core';
import { categoricalThresholds, expectNumber, expectProbabilityRows, InvalidArgumentError, type Random } from '@gantry/backend';
import { expectBatchSize, expectRandom } from './continuous.js';

/** A JSON value: what a rule's options and state are made of, so checkpoints are plain JSON. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A rule's state: plain JSON, never mutated. */
export type RuleState = { readonly [key: string]: JsonValue };

/**
 * How a categorical prior P(C) moves, as an `{ init, update }` pair over immutable state
 * (the paper's `update` of Algorithm 1, line 12: "a simple moving average, an exponential
 * moving average, or others"). Write one to try another rule.
 */
export interface CategoricalUpdateRule {
  /** The name {@link categoricalPriorFromJSON} finds the rule by. */
  readonly name: string;
  /** The rule's options, as saved in checkpoints. */
  readonly options: RuleState;
  /** The state for a prior starting at `probabilities`. */
  init(probabilities: readonly number[]): RuleState;
  /** The next state after observing `observed`, the batch mean of the classifier's probabilities E[Q(x_real)]. */
  update(state: RuleState, observed: readonly number[]): RuleState;
  /** The prior's probabilities in `state`. */
  probabilities(state: RuleState): readonly number[];
}

function numbers(state: RuleState, key: string): number[] {
  return state[key] as number[];
}

/** A prior that never moves: InfoGAN's fixed categorical code (uniform or given probabilities). */
export function fixedRule(): CategoricalUpdateRule {
  return {
    name: 'fixed',
    options: {},
    init: (probabilities) => ({ probabilities: [...probabilities] }),
    update: (state) => state,
    probabilities: (state) => numbers(state, 'probabilities'),
  };
}

/**
 * The paper's rule (Section 4): an exponential moving average of E_x[Q(x)],
 * p ← decay·p + (1 − decay)·mean_batch Q(x_real), decay 0.999 by default, starting from
 * the initial probabilities (no bias correction: the start is a real prior, not zero).
 * Kept in float64, so a million updates do not drift from a probability vector.
 */
export function exponentialMovingAverage(options: { readonly decay?: number } = {}): CategoricalUpdateRule {
  const decay = expectNumber('exponentialMovingAverage', 'options.decay', options.decay ?? 0.999, { min: 0, max: 1, exclusive: true });
  return {
    name: 'ema',
    options: { decay },
    init: (probabilities) => ({ probabilities: [...probabilities], updates: 0 }),
    update: (state, observed) => ({
      probabilities: numbers(state, 'probabilities').map((p, k) => decay * p + (1 - decay) * (observed[k] as number)),
      updates: (state.updates as number) + 1,
    }),
    probabilities: (state) => numbers(state, 'probabilities'),
  };
}

/**
 * A simple moving average: the mean of the last `window` batch means of Q(x_real)
 * (default 1000, one epoch of the paper), or the initial probabilities before the first update.
 */
export function simpleMovingAverage(options: { readonly window?: number } = {}): CategoricalUpdateRule {
  const window = expectNumber('simpleMovingAverage', 'options.window', options.window ?? 1000, { min: 1, integer: true });
  const meanOf = (history: readonly (readonly number[])[]): number[] =>
    (history[0] as readonly number[]).map((_, k) => history.reduce((sum, row) => sum + (row[k] as number), 0) / history.length);
  return {
    name: 'sma',
    options: { window },
    init: (probabilities) => ({ probabilities: [...probabilities], history: [], updates: 0 }),
    update: (state, observed) => {
      const history = [...(state.history as number[][]), [...observed]].slice(-window);
      return { probabilities: meanOf(history), history, updates: (state.updates as number) + 1 };
    },
    probabilities: (state) => numbers(state, 'probabilities'),
  };
}

/** The built-in rules by name, for {@link categoricalPriorFromJSON}. */
const BUILT_IN_RULES: Readonly<Record<string, (options: RuleState) => CategoricalUpdateRule>> = {
  fixed: () => fixedRule(),
  ema: (options) => exponentialMovingAverage({ decay: options.decay as number }),
  sma: (options) => simpleMovingAverage({ window: options.window as number }),
};

/** The serialised form of a {@link CategoricalPrior}: plain JSON, exact to the last bit of each float64. */
export interface CategoricalPriorJSON {
  readonly format: 'gantry/categorical-prior';
  readonly version: 1;
  readonly categories: number;
  readonly rule: { readonly name: string; readonly options: RuleState };
  readonly state: RuleState;
}

/**
 * A categorical latent distribution P(C) over d_c categories as an immutable value:
 * `update` returns a new prior and leaves this one as it was, so a failed update keeps
 * the last good state and a checkpoint is just {@link CategoricalPrior.toJSON}.
 */
export interface CategoricalPrior {
  /** d_c. */
  readonly categories: number;
  readonly rule: CategoricalUpdateRule;
  readonly state: RuleState;
  /** P(C), float64. */
  probabilities(): readonly number[];
  /** The entropy −Σ p log p in nats (0 log 0 = 0); the paper reports it for its MNIST priors (Figs. 5-7). */
  entropy(): number;
  /** Draws `batch` categories, as one-hot rows [batch, d_c] float32 (Algorithm 1, line 3). */
  sample(batch: number, random: Random): tf.Tensor2D;
  /** Draws `batch` category indices, [batch] int32. */
  sampleIndices(batch: number, random: Random): tf.Tensor1D;
  /**
   * The prior after observing the classifier's probabilities on a real batch,
   * `classifierProbabilities` = Q(x_real) (softmax outputs), [batch, d_c] (Algorithm 1,
   * line 12). Rows must be probability vectors; a NaN or a bad row throws and changes nothing.
   */
  update(classifierProbabilities: tf.Tensor | readonly (readonly number[])[]): CategoricalPrior;
  toJSON(): CategoricalPriorJSON;
}

/** Options of {@link categoricalPrior}. */
export interface CategoricalPriorOptions {
  /** d_c. Needed unless `probabilities` is given. */
  readonly categories?: number;
  /** The initial probabilities; default uniform. Non-negative, summing to 1 within 1e-5. */
  readonly probabilities?: readonly number[];
  /** How the prior moves; default {@link fixedRule}. VCAGAN: `exponentialMovingAverage({ decay: 0.999 })`. */
  readonly rule?: CategoricalUpdateRule;
}

function entropyOf(probabilities: readonly number[]): number {
  return -probabilities.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0);
}

function checkRuleOutput(rule: CategoricalUpdateRule, state: RuleState, categories: number): readonly number[] {
  const probabilities = rule.probabilities(state);
  if (!Array.isArray(probabilities) || probabilities.length !== categories) {
    throw new InvalidArgumentError(`rule '${rule.name}'`, 'probabilities(state)', `an array of ${categories} numbers`, Array.isArray(probabilities) ? `${probabilities.length} numbers` : typeof probabilities);
  }
  // Stryker disable next-line ArrayDeclaration: equivalent: with no shape, one row is the whole vector, which is what [d_c] says.
  expectProbabilityRows(`rule '${rule.name}'`, 'probabilities(state)', probabilities, [categories]);
  return probabilities;
}

function deepFreeze<T>(value: T): T {
  // Stryker disable next-line LogicalOperator,ConditionalExpression: equivalent: Object.isFrozen is true for null and every primitive, so the type tests only say why it is safe.
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function makePrior(categories: number, rule: CategoricalUpdateRule, unfrozen: RuleState): CategoricalPrior {
  const state = deepFreeze(unfrozen);
  const probabilities = checkRuleOutput(rule, state, categories);
  const cdf = categoricalThresholds(probabilities);
  const sampleIndices = (caller: string, batch: number, random: Random): tf.Tensor1D => {
    const rows = expectBatchSize(caller, batch);
    const stream = expectRandom(caller, random);
    return tf.tidy(() => {
      const u = stream.uniform([rows, 1]);
      // Stryker disable next-line ConditionalExpression: equivalent: with one category the comparison against no thresholds also sums to zeros (int32, [rows]); the branch only skips the empty comparison.
      if (categories === 1) return tf.zeros([rows], 'int32') as tf.Tensor1D;
      // The index is the number of thresholds at or below u: comparisons of the same
      // float32 values, so every backend draws the same categories from one seed.
      return tf.sum(tf.cast(tf.greaterEqual(u, tf.tensor2d(cdf, [1, categories - 1])), 'int32'), -1) as tf.Tensor1D;
    });
  };
  const prior: CategoricalPrior = {
    categories,
    rule,
    state,
    probabilities: () => [...probabilities],
    entropy: () => entropyOf(probabilities),
    sampleIndices: (batch, random) => sampleIndices('CategoricalPrior.sampleIndices', batch, random),
    sample(batch, random) {
      return tf.tidy(() => {
        const indices = sampleIndices('CategoricalPrior.sample', batch, random);
        if (categories === 1) return tf.ones([indices.shape[0], 1]) as tf.Tensor2D;
        // Cast rather than oneHot(..., 'float32'): wasm's OneHot ignores the dtype in TF.js 4.22.
        return tf.cast(tf.oneHot(indices, categories), 'float32') as tf.Tensor2D;
      });
    },
    update(classifierProbabilities) {
      const caller = 'CategoricalPrior.update';
      const observed = batchMean(caller, classifierProbabilities, categories);
      return makePrior(categories, rule, rule.update(state, observed));
    },
    toJSON: () => ({ format: 'gantry/categorical-prior', version: 1, categories, rule: { name: rule.name, options: rule.options }, state }),
  };
  return Object.freeze(prior);
}

/** The float64 batch mean of probability rows, after checking shape, finiteness and rows. */
function batchMean(caller: string, value: tf.Tensor | readonly (readonly number[])[], categories: number): number[] {
  const argument = 'classifierProbabilities';
  let data: ArrayLike<number>;
  let shape: number[];
  if (value instanceof tf.Tensor) {
    if (value.dtype !== 'float32') throw new InvalidArgumentError(caller, argument, 'a float32 tensor', `dtype ${value.dtype}`);
    data = value.dataSync();
    shape = [...value.shape];
  } else if (Array.isArray(value)) {
    const rows = value as readonly (readonly number[])[];
    const ragged = rows.findIndex((row) => !Array.isArray(row) || row.length !== categories);
    if (ragged >= 0) throw new InvalidArgumentError(caller, `${argument}[${ragged}]`, `an array of ${categories} probabilities`, Array.isArray(rows[ragged]) ? `${(rows[ragged] as number[]).length} values` : typeof rows[ragged]);
    data = rows.flat();
    shape = [rows.length, categories];
  } else {
    throw new InvalidArgumentError(caller, argument, 'a tf.Tensor or an array of rows', value === null ? 'null' : typeof value);
  }
  if (shape.length !== 2 || shape[1] !== categories || shape[0] === 0) {
    throw new InvalidArgumentError(caller, argument, `of shape [batch >= 1, ${categories}] (one row of Q(x) per real sample)`, `shape [${shape.join(', ')}]`);
  }
  expectProbabilityRows(caller, argument, data, shape);
  const batch = shape[0] as number;
  const mean = new Array<number>(categories).fill(0);
  for (let i = 0; i < data.length; i++) mean[i % categories] = (mean[i % categories] as number) + (data[i] as number) / batch;
  return mean;
}

/**
 * Creates a categorical prior P(C): uniform over `categories` or starting at
 * `probabilities`, moving by `rule` (default: fixed). The paper's VCAGAN prior:
 * `categoricalPrior({ categories: 8, rule: exponentialMovingAverage({ decay: 0.999 }) })`.
 */
export function categoricalPrior(options: CategoricalPriorOptions): CategoricalPrior {
  const caller = 'categoricalPrior';
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', options === null ? 'null' : typeof options);
  let initial: readonly number[];
  if (options.probabilities !== undefined) {
    if (!Array.isArray(options.probabilities) || options.probabilities.length === 0) {
      throw new InvalidArgumentError(caller, 'options.probabilities', 'a non-empty array of numbers', Array.isArray(options.probabilities) ? '[]' : typeof options.probabilities);
    }
    // Stryker disable next-line ArrayDeclaration: equivalent: with no shape, one row is the whole vector, which is what [length] says.
    expectProbabilityRows(caller, 'options.probabilities', options.probabilities, [options.probabilities.length]);
    if (options.categories !== undefined && options.categories !== options.probabilities.length) {
      throw new InvalidArgumentError(caller, 'options.categories', `${options.probabilities.length} (the length of options.probabilities)`, String(options.categories));
    }
    initial = [...options.probabilities];
  } else {
    const categories = expectNumber(caller, 'options.categories', options.categories, { min: 1, integer: true });
    initial = new Array<number>(categories).fill(1 / categories);
  }
  // Only a missing rule means the default: a null is a mistake, reported below.
  const rule = options.rule === undefined ? fixedRule() : options.rule;
  // Stryker disable next-line ConditionalExpression: equivalent: a string or number has no init function, which the next tests catch with the same message.
  if (typeof rule !== 'object' || rule === null || typeof rule.init !== 'function' || typeof rule.update !== 'function' || typeof rule.probabilities !== 'function') {
    throw new InvalidArgumentError(caller, 'options.rule', 'a CategoricalUpdateRule ({ name, options, init, update, probabilities })', rule === null ? 'null' : typeof rule);
  }
  return makePrior(initial.length, rule, rule.init(initial));
}

/**
 * Rebuilds a {@link CategoricalPrior} from {@link CategoricalPrior.toJSON}'s output, exactly.
 * Built-in rules are found by name; pass `rules` for rules of your own.
 */
export function categoricalPriorFromJSON(
  json: CategoricalPriorJSON,
  options: { readonly rules?: Readonly<Record<string, (options: RuleState) => CategoricalUpdateRule>> } = {},
): CategoricalPrior {
  const caller = 'categoricalPriorFromJSON';
  // Stryker disable next-line ConditionalExpression: equivalent: a string or number has no format, which the next test catches with the same message.
  if (typeof json !== 'object' || json === null || json.format !== 'gantry/categorical-prior') {
    throw new InvalidArgumentError(caller, 'json.format', "'gantry/categorical-prior'", json === null || typeof json !== 'object' ? String(json) : JSON.stringify(json.format));
  }
  if (json.version !== 1) throw new InvalidArgumentError(caller, 'json.version', '1', JSON.stringify(json.version));
  const categories = expectNumber(caller, 'json.categories', json.categories, { min: 1, integer: true });
  const factories = { ...BUILT_IN_RULES, ...options.rules };
  const factory = factories[json.rule?.name];
  if (factory === undefined) {
    throw new InvalidArgumentError(caller, 'json.rule.name', `a known rule (${Object.keys(factories).join(', ')}; pass options.rules for your own)`, JSON.stringify(json.rule?.name));
  }
  return makePrior(categories, factory(json.rule.options), json.state);
}

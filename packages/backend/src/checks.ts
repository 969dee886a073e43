import * as tf from '@tensorflow/tfjs-core';

/**
 * A bad argument: names the function, the argument, what was expected and what came.
 * Every Gantry package throws this for bad input, so callers can tell bad input from
 * failures further down (`error.argument`, `error.expected`, `error.actual`).
 */
export class InvalidArgumentError extends Error {
  override readonly name = 'InvalidArgumentError';

  constructor(
    /** The function that rejected the argument, e.g. `caganDiscriminatorLoss`. */
    readonly caller: string,
    /** The argument's name, e.g. `realLabels`, `options.decay`. */
    readonly argument: string,
    /** What was expected, e.g. `shape [32, 8] (matching realAdversarial)`. */
    readonly expected: string,
    /** What came, e.g. `shape [32, 4]`. */
    readonly actual: string,
  ) {
    super(`${caller}: ${argument} must be ${expected}, got ${actual}.`);
  }
}

/** Formats a shape as `[32, 8]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** What {@link expectTensor} checks. `null` in `shape` accepts any size on that axis. */
export interface TensorSpec {
  /** Accepted ranks; implied by `shape` when that is given. */
  readonly rank?: number | readonly number[];
  readonly shape?: readonly (number | null)[];
  /** Where the expected sizes come from, for the message: `matching realAdversarial`. */
  readonly shapeSource?: string;
  /** Default `'float32'`: Gantry never casts silently. */
  readonly dtype?: tf.DataType;
}

/**
 * Checks that `value` is a tensor of the given rank, shape and dtype, and returns it;
 * otherwise throws an {@link InvalidArgumentError} naming `caller` and `argument`.
 */
export function expectTensor(caller: string, argument: string, value: unknown, spec: TensorSpec = {}): tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    const actual = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new InvalidArgumentError(caller, argument, 'a tf.Tensor', actual);
  }
  const dtype = spec.dtype ?? 'float32';
  if (value.dtype !== dtype) throw new InvalidArgumentError(caller, argument, `a ${dtype} tensor`, `dtype ${value.dtype}`);
  const source = spec.shapeSource === undefined ? '' : ` (${spec.shapeSource})`;
  if (spec.shape !== undefined) {
    const expected = spec.shape;
    const matches = value.rank === expected.length && expected.every((size, axis) => size === null || size === value.shape[axis]);
    if (!matches) {
      const pattern = `[${expected.map((size) => (size === null ? '*' : String(size))).join(', ')}]`;
      throw new InvalidArgumentError(caller, argument, `of shape ${pattern}${source}`, `shape ${formatShape(value.shape)}`);
    }
  } else if (spec.rank !== undefined) {
    const ranks = typeof spec.rank === 'number' ? [spec.rank] : spec.rank;
    if (!ranks.includes(value.rank)) {
      throw new InvalidArgumentError(caller, argument, `of rank ${ranks.join(' or ')}${source}`, `shape ${formatShape(value.shape)} (rank ${value.rank})`);
    }
  }
  return value;
}

let valueChecks = true;

/**
 * Turns the checks that read tensor values (finiteness, probability rows) on or off for
 * the whole process. On by default. Each check costs one device-to-host read per call,
 * which stalls a GPU pipeline; a training loop that checks its loss values itself (as
 * `@gantry/trainer` does every step) may turn them off. Shape checks always run.
 */
export function setValueChecks(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new InvalidArgumentError('setValueChecks', 'enabled', 'a boolean', typeof enabled);
  valueChecks = enabled;
}

/** Whether value checks are on; see {@link setValueChecks}. */
export function valueChecksEnabled(): boolean {
  return valueChecks;
}

function describeNonFinite(values: tf.TypedArray | number[], shape: readonly number[]): string {
  if (values.length === 1) return String(values[0]);
  let count = 0;
  let first = -1;
  for (let index = 0; index < values.length; index++) {
    if (!Number.isFinite(values[index])) {
      count += 1;
      if (first < 0) first = index;
    }
  }
  const position: number[] = [];
  let rest = first;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis] as number;
    position.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return `${String(values[first])} at index ${formatShape(position)} (${count} non-finite of ${values.length})`;
}

/**
 * Throws an {@link InvalidArgumentError} naming the first argument that holds NaN or ±Infinity.
 * All tensors are checked with one device read. Does nothing when value checks are off.
 */
export function expectFinite(caller: string, tensors: Readonly<Record<string, tf.Tensor>>): void {
  if (!valueChecks) return;
  const entries = Object.entries(tensors);
  if (entries.length === 0) return;
  const flags = tf.tidy(() => tf.stack(entries.map(([, tensor]) => tf.all(tf.isFinite(tensor)))).dataSync());
  const bad = entries.findIndex((_, index) => flags[index] === 0);
  if (bad < 0) return;
  const [argument, tensor] = entries[bad] as [string, tf.Tensor];
  throw new InvalidArgumentError(caller, argument, 'finite', describeNonFinite(tensor.dataSync(), tensor.shape));
}

/**
 * A bad value as the user wrote it, for the "got …" part of an {@link InvalidArgumentError}:
 * a string in quotes, so that "3" is not shown as 3; anything else as `String` shows it.
 */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Throws an {@link InvalidArgumentError} unless `value` is a finite number (within `range`, if given). */
export function expectNumber(
  caller: string,
  argument: string,
  value: unknown,
  range: { readonly min?: number; readonly max?: number; readonly exclusive?: boolean; readonly integer?: boolean } = {},
): number {
  const { min, max, exclusive = false, integer = false } = range;
  const bounds =
    min !== undefined && max !== undefined
      ? ` in ${exclusive ? '(' : '['}${min}, ${max}${exclusive ? ')' : ']'}`
      : min !== undefined
        ? ` ${exclusive ? '>' : '>='} ${min}`
        : max !== undefined
          ? ` ${exclusive ? '<' : '<='} ${max}`
          : '';
  const expected = `${integer ? 'an integer' : 'a finite number'}${bounds}`;
  // Stryker disable next-line ConditionalExpression: equivalent: `typeof value !== 'number'` → false leaves Number.isFinite, false for every non-number, to throw the same message (the type test narrows value for TypeScript); the killed mutants of the whole condition and of `integer && …` are hidden with it.
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError(caller, argument, expected, typeof value === 'number' ? String(value) : typeof value);
  }
  // An absent bound is an infinite one: no finite value is beyond it.
  const lowest = min ?? Number.NEGATIVE_INFINITY;
  const highest = max ?? Number.POSITIVE_INFINITY;
  const below = exclusive ? value <= lowest : value < lowest;
  const above = exclusive ? value >= highest : value > highest;
  if (below || above) throw new InvalidArgumentError(caller, argument, expected, String(value));
  return value;
}

/** The tolerance on row sums used by {@link expectProbabilityRows}. */
export const PROBABILITY_SUM_TOLERANCE = 1e-5;

/**
 * Throws an {@link InvalidArgumentError} unless every row (last axis) of `values` is a
 * probability vector: finite, non-negative and summing to 1 within
 * {@link PROBABILITY_SUM_TOLERANCE}. `values` holds the data, `shape` its shape. Used for
 * plain arrays always, and for tensors when value checks are on.
 */
export function expectProbabilityRows(caller: string, argument: string, values: ArrayLike<number>, shape: readonly number[]): void {
  const width = shape[shape.length - 1] ?? values.length;
  // Stryker disable next-line ConditionalExpression: equivalent: width 0 means no values (values holds the data of shape), and 0 / 0 is NaN, which runs no row either; the killed `true` beside it is hidden with it.
  const rows = width === 0 ? 0 : values.length / width;
  const where = (row: number): string => (shape.length > 1 ? ` in row ${row}` : '');
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let k = 0; k < width; k++) {
      const value = values[row * width + k] as number;
      if (!Number.isFinite(value) || value < 0) {
        throw new InvalidArgumentError(caller, argument, 'probabilities (finite, >= 0, rows summing to 1)', `${value} at position ${k}${where(row)}`);
      }
      sum += value;
    }
    // Stryker disable next-line EqualityOperator: equivalent: sum − 1 is exact for sums in [0.5, 2] and 1e-5 is not a multiple of 2^-52, so no sum is exactly 1e-5 from 1 (and no other sum is near it); the killed `<=` is hidden with it.
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw new InvalidArgumentError(caller, argument, `probabilities summing to 1 (tolerance ${PROBABILITY_SUM_TOLERANCE})`, `a sum of ${sum}${where(row)}`);
    }
  }
}

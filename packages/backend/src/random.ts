import * as tf from '@tensorflow/tfjs-core';

/** The whole state of a {@link Random}: enough to resume the same stream exactly. */
export interface RandomState {
  /** The seed the stream was created from (an unsigned 32-bit integer). */
  readonly seed: number;
  /** How many draws have been made. */
  readonly counter: number;
}

/**
 * A seeded stream of random tensors. Every draw takes a fresh 32-bit seed derived from
 * (seed, counter) and hands it to TF.js's seeded generators, which fill the tensor in
 * JavaScript: the same seed gives the same values on every backend.
 */
export interface Random {
  /** The current state; `createRandom(random.state)` continues the same stream. */
  readonly state: RandomState;
  /** Samples N(mean, std²) of the given shape. */
  normal(shape: readonly number[], mean?: number, std?: number): tf.Tensor;
  /** Samples U[min, max) of the given shape. */
  uniform(shape: readonly number[], min?: number, max?: number): tf.Tensor;
  /** The next derived seed, for TF.js ops and initializers that take one. */
  nextSeed(): number;
}

/** splitmix32-style finaliser: a bijective mix of 32-bit integers. */
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function validateSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`createRandom: seed must be an integer in [0, 2^32 - 1], got ${seed}.`);
  }
  return seed;
}

function validateShape(caller: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((size) => !Number.isInteger(size) || size < 0)) {
    throw new TypeError(`${caller}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}.`);
  }
  return [...shape];
}

/**
 * Creates a seeded random stream. One seed makes a run reproducible: on the cpu backend
 * bit for bit (tested); on wasm the draws are the same and, single-threaded, so is each
 * run's arithmetic on the same machine; on GPU backends (webgl, webgpu, tensorflow with
 * CUDA) the draws are the same but reductions may be ordered differently between runs, so
 * results agree only to float32 rounding.
 */
export function createRandom(seedOrState: number | RandomState): Random {
  const start: RandomState =
    typeof seedOrState === 'number'
      ? { seed: validateSeed(seedOrState), counter: 0 }
      : { seed: validateSeed(seedOrState.seed), counter: seedOrState.counter };
  if (!Number.isInteger(start.counter) || start.counter < 0) {
    throw new RangeError(`createRandom: state.counter must be a non-negative integer, got ${start.counter}.`);
  }
  let counter = start.counter;
  const nextSeed = (): number => {
    const derived = mix32(mix32(start.seed ^ 0x9e3779b9) + Math.imul(counter + 1, 0x9e3779b9));
    counter += 1;
    return derived;
  };
  return {
    get state(): RandomState {
      return { seed: start.seed, counter };
    },
    normal(shape, mean = 0, std = 1) {
      const validShape = validateShape('Random.normal', shape);
      if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
        throw new RangeError(`Random.normal: mean must be finite and std finite and >= 0, got mean ${mean}, std ${std}.`);
      }
      return tf.randomNormal(validShape, mean, std, 'float32', nextSeed());
    },
    uniform(shape, min = 0, max = 1) {
      const validShape = validateShape('Random.uniform', shape);
      if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
        throw new RangeError(`Random.uniform: min and max must be finite with min < max, got min ${min}, max ${max}.`);
      }
      // Stryker disable next-line StringLiteral: equivalent: TF.js 4.22's randomUniform fills a buffer of dtype `dtype || 'float32'`, so '' is float32 (checked: the same values and dtype).
      return tf.randomUniform(validShape, min, max, 'float32', nextSeed());
    },
    nextSeed,
  };
}

/**
 * Float32 thresholds for inverse-CDF sampling of a categorical distribution: the category
 * of a uniform draw u ∈ [0, 1) is the number of thresholds ≤ u. Cumulative sums are taken
 * in float64 and rounded once; categories after the last one of non-zero probability get
 * an unreachable threshold (2), so float32 rounding can never select them. The same float32
 * comparisons on every backend make one seed draw the same categories everywhere.
 */
export function categoricalThresholds(probabilities: readonly number[]): Float32Array {
  const last = probabilities.reduce((found, p, k) => (p > 0 ? k : found), 0);
  const result = new Float32Array(Math.max(0, probabilities.length - 1));
  let cumulative = 0;
  // Stryker disable next-line EqualityOperator: equivalent: `<=` writes once past the end of a Float32Array, which drops the write; the killed `>=` is hidden with it.
  for (let k = 0; k < result.length; k++) {
    cumulative += probabilities[k] as number;
    result[k] = k >= last ? 2 : cumulative;
  }
  return result;
}

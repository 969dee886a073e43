// A training session of the playground: plain TF.js and Gantry's public entry points, no
// DOM, no worker API, so the same code runs in the page's worker and in Node (where the
// numerical test computes its cpu reference).
import * as tf from '@tensorflow/tfjs-core';
import { infoGan, vanillaGan } from '@gantry/baselines';
import { gaussianMixture } from '@gantry/datasets';
import { createTrainer, mixtureSource, type StepReport, type Trainer, type TrainerSnapshot } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';
import { RECIPE_NAMES, type PlaygroundConfig, type RecipeName } from './config.js';

export { DEFAULT_CONFIG, type PlaygroundConfig, type RecipeName } from './config.js';

/** The recipes the playground offers, by the names the page uses. */
export const RECIPES = { vcagan, vanilla: vanillaGan, infogan: infoGan } as const satisfies Readonly<Record<RecipeName, { readonly name: string }>>;

function fail(argument: string, expected: string, actual: unknown): never {
  throw new RangeError(`playground config: ${argument} must be ${expected}, got ${typeof actual === 'number' ? String(actual) : JSON.stringify(actual)}.`);
}

function integerIn(argument: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(argument, `an integer in [${min}, ${max}]`, value);
}

function numberIn(argument: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(argument, `a number in [${min}, ${max}]`, value);
}

/** Checks a config from the page, a saved run or a file; throws naming the bad field. */
export function validateConfig(config: PlaygroundConfig): PlaygroundConfig {
  if (!RECIPE_NAMES.includes(config.recipe)) fail('recipe', `one of ${RECIPE_NAMES.join(', ')}`, config.recipe);
  numberIn('lambdaCreg', config.lambdaCreg, 0, 100);
  integerIn('warmupSteps', config.warmupSteps, 0, 1_000_000);
  if (typeof config.recentre !== 'boolean') fail('recentre', 'true or false', config.recentre);
  integerIn('recentreAnnealSteps', config.recentreAnnealSteps, 0, 1_000_000);
  if (config.recentreAnnealSteps > 0 && !config.recentre) fail('recentreAnnealSteps', '0 unless recentre is true', config.recentreAnnealSteps);
  if (config.generatorEma !== null && (typeof config.generatorEma !== 'number' || !(config.generatorEma > 0 && config.generatorEma < 1))) fail('generatorEma', 'null or a number in (0, 1)', config.generatorEma);
  integerIn('categories', config.categories, 1, 32);
  numberIn('learningRate', config.learningRate, 1e-6, 1e-1);
  integerIn('seed', config.seed, 0, 0xffffffff);
  integerIn('units', config.units, 1, 1024);
  integerIn('layers', config.layers, 1, 8);
  integerIn('batchSize', config.batchSize, 1, 1024);
  // gaussianMixture checks centers, probabilities and std, naming the field.
  gaussianMixture(config.mixture);
  return config;
}

/** A run in progress: the trainer plus what the page asks of it. */
export interface Session {
  readonly config: PlaygroundConfig;
  readonly trainer: Trainer;
  /** Runs `count` steps of the recipe; returns each step's report. */
  steps(count: number): StepReport[];
  /** `count` generated points, `[x0, y0, x1, y1, ...]`, and each point's category. */
  sample(count: number, seed: number): { points: Float32Array; categories: Int32Array };
  dispose(): void;
}

/** Builds the recipe's networks and a trainer for a config (on the active backend). */
export function createSession(config: PlaygroundConfig): Session {
  validateConfig(config);
  const mixture = gaussianMixture(config.mixture);
  const data = mixtureSource(mixture);
  const description = { sampleShape: data.sampleShape, classes: data.classes };
  const common = { categories: config.categories, units: config.units, layers: config.layers };
  const setup =
    config.recipe === 'vcagan'
      ? vcagan.build(description, { ...common, lambdaCreg: config.lambdaCreg, warmupSteps: config.warmupSteps, recentre: config.recentre, recentreAnnealSteps: config.recentreAnnealSteps }, config.seed)
      : RECIPES[config.recipe].build(description, common, config.seed);
  const trainer = createTrainer({
    setup,
    data,
    seed: config.seed,
    batchSize: config.batchSize,
    optimizer: { learningRate: config.learningRate },
    ...(config.generatorEma === null ? {} : { generatorEma: config.generatorEma }),
  });
  return {
    config,
    trainer,
    steps(count) {
      const reports: StepReport[] = [];
      for (let i = 0; i < count; i++) reports.push(trainer.trainStep());
      return reports;
    },
    sample(count, seed) {
      const { x, categories } = trainer.sample(count, { seed });
      const points = x.dataSync() as Float32Array;
      x.dispose();
      return { points, categories };
    },
    dispose: () => trainer.dispose(),
  };
}

/** One step as the page plots it. */
export interface StepRecord {
  readonly step: number;
  readonly losses: Readonly<Record<string, number>>;
  readonly entropy: number;
}

/** A saved run: the config and the trainer's snapshot as one binary blob plus JSON. */
export interface SavedRun {
  readonly format: 'gantry/playground-run';
  readonly version: 1;
  readonly config: PlaygroundConfig;
  /** The steps' losses and entropies so far, so the charts continue after a restore. */
  readonly history: readonly StepRecord[];
  readonly state: TrainerSnapshot['json'];
  readonly specs: tf.io.WeightsManifestEntry[];
  readonly weights: ArrayBuffer;
}

/** Encodes the session (networks, Adam moments, P(C), random state, step) and its history for storage. */
export async function saveRun(session: Session, history: readonly StepRecord[] = []): Promise<SavedRun> {
  const snapshot = session.trainer.snapshot();
  try {
    const { data, specs } = await tf.io.encodeWeights(snapshot.tensors);
    return { format: 'gantry/playground-run', version: 1, config: session.config, history: [...history], state: snapshot.json, specs, weights: data };
  } finally {
    tf.dispose(Object.values(snapshot.tensors));
  }
}

/** Rebuilds a saved run: the same config, then the snapshot restored, so training continues exactly. */
export function loadRun(saved: SavedRun): Session {
  if (saved.format !== 'gantry/playground-run' || saved.version !== 1) {
    throw new TypeError(`loadRun: expected format 'gantry/playground-run' version 1, got ${JSON.stringify(saved.format)} version ${JSON.stringify(saved.version)}.`);
  }
  if (!Array.isArray(saved.history)) throw new TypeError(`loadRun: history must be an array of step records, got ${typeof saved.history}.`);
  // Runs saved before the warm-up options existed trained without them.
  const { warmupSteps = 0, recentre = false, recentreAnnealSteps = 0, generatorEma = null } = saved.config as Partial<PlaygroundConfig>;
  const session = createSession({ ...saved.config, warmupSteps, recentre, recentreAnnealSteps, generatorEma });
  const tensors = tf.io.decodeWeights(saved.weights, saved.specs);
  try {
    session.trainer.restore({ json: saved.state, tensors });
  } catch (error) {
    session.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return session;
}

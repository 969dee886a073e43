import { BACKEND_NAMES, type BackendRequest } from '@gantry/backend';
import { acgan, cagan, infoGan, vanillaGan } from '@gantry/baselines';
import type { GaussianMixtureOptions } from '@gantry/datasets';
import { ADVERSARIAL_LOSSES, type AdversarialLossName } from '@gantry/losses';
import type { Recipe } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';
import type { Provenance } from './provenance.js';

/** The recipes `gantry train --recipe` knows. */
export const RECIPES: Readonly<Record<string, Recipe<Record<string, unknown>>>> = {
  vcagan: vcagan as Recipe<Record<string, unknown>>,
  vanilla: vanillaGan as Recipe<Record<string, unknown>>,
  infogan: infoGan as Recipe<Record<string, unknown>>,
  acgan: acgan as Recipe<Record<string, unknown>>,
  cagan: cagan as Recipe<Record<string, unknown>>,
};

/** The built-in datasets `--dataset` names (or `--data FILE` for your own). */
export const DATASETS = ['gaussian-mixture', 'mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

/**
 * Named settings, one for points (MLPs) and one for images (CNNs). A preset is a set of
 * default flags: a flag given on the command line takes precedence over the preset's, and
 * the preset's go through the same checks as the user's.
 *
 * `paper`: Section 4 as written (points: 4 × 512 MLPs, 50 epochs × 1,000 steps; MNIST: 200
 * epochs × 1,000 steps of Gantry's default CNNs, 64 and 128 filters), batch 32.
 *
 * `quick`: sized for a 2-core machine without a GPU. For points, the main job's preset:
 * training, evaluation and pictures within 5 minutes (4 × 128 MLPs, 10,000 steps). For
 * images, the setup that learned digits fastest per CPU-minute here (docs/results/mnist.md,
 * fifteenth session): 6,000 steps of CNNs with 16 and 32 filters, InfoGAN's MNIST networks
 * otherwise (Chen et al. 2016, Appendix C.1: a fully connected layer of 1,024 units in G and
 * in D, ReLU in G, N(0, 0.02²) initialisation, Adam 2e-4 for D and 1e-3 for G with β1 0.5),
 * batch statistics in G and per-sample layer normalization in D. `--preset paper --steps
 * 15000 --channels 16,32` is the old image `quick` preset (before the fifteenth session).
 */
export const PRESETS = {
  paper: { batchSize: 32, points: { steps: 50_000, units: 512, layers: 4 }, images: { steps: 200_000, channels: [64, 128], flags: {} } },
  quick: {
    batchSize: 32,
    points: { steps: 10_000, units: 128, layers: 4 },
    images: {
      steps: 6_000,
      channels: [16, 32],
      flags: {
        initialization: 'dcgan',
        generatorHidden: '1024',
        discriminatorHidden: '1024',
        generatorActivation: 'relu',
        generatorNormalization: 'batch',
        discriminatorNormalization: 'layer',
        learningRate: '2e-4',
        generatorLearningRate: '1e-3',
        beta1: '0.5',
      },
    },
  },
} as const satisfies Record<string, { batchSize: number; points: object; images: { steps: number; channels: readonly number[]; flags: Readonly<TrainFlags> } }>;
export type PresetName = keyof typeof PRESETS;

/** Everything that defines a run; saved as `config.json` and read back by `--resume`, `eval` and `sample`. */
export interface RunConfig {
  readonly format: 'gantry/run-config';
  readonly version: 1;
  readonly recipe: string;
  /** The recipe's options: λs, d_z, d_c, network sizes. */
  readonly recipeOptions: Readonly<Record<string, number | string | boolean | readonly number[]>>;
  /** A built-in dataset, or null with `data`. */
  readonly dataset: DatasetName | null;
  /** With `gaussian-mixture`: the mixture trained on (from `--mixture FILE`); null or absent for the paper's (Fig. 1). */
  readonly mixture?: GaussianMixtureOptions | null;
  /** A CSV or JSON file of points (absolute path), or a folder of PNG images. */
  readonly data: string | null;
  /** The CSV column holding labels, if any. */
  readonly labelColumn: string | null;
  readonly preset: PresetName | null;
  readonly steps: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly backend: BackendRequest;
  /** Adam's learning rate for every network, or for all but the generator when `generatorLearningRate` is given. */
  readonly learningRate: number;
  /** The generator's own learning rate (InfoGAN's MNIST setup: 1e-3 for G, 2e-4 for D); absent: `learningRate`. */
  readonly generatorLearningRate?: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Decay of the generator-weights EMA, or null. */
  readonly generatorEma: number | null;
  readonly logEvery: number;
  readonly checkpointEvery: number;
  readonly sampleEvery: number;
  /** MNIST: steps between points of the quality curve (`curves.jsonl`); absent for runs without one. */
  readonly curveEvery?: number;
  /**
   * Term weight overrides by phase (`--weights discriminator.creg=0,discriminator.r1=0`): an
   * ablation, as `createTrainer({ weights })`; absent for the recipe's own weights.
   */
  readonly weights?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** What started the run: code version, TF.js, backend, Node, platform (written by `gantry train`; absent in runs made before it). */
  readonly provenance?: Provenance;
}

/** The flags of `gantry train`, as commander gives them (strings, or undefined when absent). */
export interface TrainFlags {
  readonly recipe?: string;
  readonly dataset?: string;
  readonly data?: string;
  readonly mixture?: string;
  readonly labelColumn?: string;
  readonly preset?: string;
  readonly steps?: string;
  readonly batchSize?: string;
  readonly seed?: string;
  readonly backend?: string;
  readonly lambdaCreg?: string;
  readonly lambdaCls?: string;
  readonly lambdaR1?: string;
  readonly lambdaR2?: string;
  readonly penaltyInterval?: string;
  readonly lambdaCregFake?: string;
  readonly warmupSteps?: string;
  readonly recentre?: boolean;
  readonly recentreAnnealSteps?: string;
  readonly classifier?: string;
  readonly adversarial?: string;
  readonly latentDim?: string;
  readonly categories?: string;
  readonly probabilities?: string;
  readonly units?: string;
  readonly layers?: string;
  readonly channels?: string;
  readonly learningRate?: string;
  readonly generatorLearningRate?: string;
  readonly beta1?: string;
  readonly initialization?: string;
  readonly generatorHidden?: string;
  readonly discriminatorHidden?: string;
  readonly generatorActivation?: string;
  readonly generatorNormalization?: string;
  readonly discriminatorNormalization?: string;
  readonly curveEvery?: string;
  readonly generatorEma?: string;
  readonly weights?: string;
  readonly logEvery?: string;
  readonly checkpointEvery?: string;
  readonly sampleEvery?: string;
}

/** A run folder whose own files are damaged or hand-edited wrong (not a flag): `gantry` exits with 4. */
export class CorruptRunError extends Error {
  override readonly name = 'CorruptRunError';
}

/** `gantry train` stopped on SIGINT or SIGTERM after saving its last step: `gantry` exits with 128 + the signal's number. */
export class RunInterruptedError extends Error {
  override readonly name = 'RunInterruptedError';

  constructor(
    readonly run: string,
    readonly step: number,
    readonly signal: unknown,
  ) {
    super(step > 0 ? `interrupted (${String(signal)}) after step ${step}, saved as a checkpoint; continue with: gantry train --resume --out ${run}` : `interrupted (${String(signal)}) before the first step; nothing was trained`);
  }
}

/** A bad flag: names the flag, the expected and the actual value. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

function number(flag: string, value: string | undefined, fallback: number, range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  const { min, max, integer = false, exclusiveMin = false, exclusiveMax = false } = range;
  const bounds = [min === undefined ? '' : `${exclusiveMin ? '>' : '>='} ${min}`, max === undefined ? '' : `${exclusiveMax ? '<' : '<='} ${max}`].filter(Boolean).join(' and ');
  const expected = `${integer ? 'an integer' : 'a number'}${bounds === '' ? '' : ` ${bounds}`}`;
  const bad =
    value.trim() === '' ||
    !Number.isFinite(parsed) ||
    (integer && !Number.isInteger(parsed)) ||
    (min !== undefined && (exclusiveMin ? parsed <= min : parsed < min)) ||
    (max !== undefined && (exclusiveMax ? parsed >= max : parsed > max));
  if (bad) throw new FlagError(`--${flag} must be ${expected}, got ${JSON.stringify(value)}.`);
  return parsed;
}

/**
 * `--threads`: the wasm backend's XNNPACK threads (TF.js caps them at 4); undefined when not
 * given. Like `--no-plan` it changes how fast a step runs, not what it computes.
 */
export function threadsFlag(value: string | undefined, backend: string): number | undefined {
  if (value === undefined) return undefined;
  const threads = number('threads', value, 1, { min: 1, max: 4, integer: true });
  if (backend !== 'wasm' && backend !== 'auto') throw new FlagError(`--threads sets the wasm backend's threads; this run's backend is ${backend} (got --threads ${value}).`);
  return threads;
}

function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new FlagError(`--${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}.`);
  return value as T;
}

/** `phase.term=weight,…` as `{ phase: { term: weight } }`; the trainer then rejects names the recipe does not have. */
function termWeights(text: string): Record<string, Record<string, number>> {
  const weights: Record<string, Record<string, number>> = {};
  for (const cell of text.split(',')) {
    const match = /^\s*([A-Za-z][\w-]*)\.([A-Za-z][\w-]*)\s*=\s*(\S+)\s*$/.exec(cell);
    const value = match === null ? Number.NaN : Number(match[3]);
    if (match === null || !Number.isFinite(value) || value < 0) {
      throw new FlagError(`--weights must be comma-separated phase.term=weight entries with weights >= 0 (e.g. discriminator.creg=0,discriminator.r1=0), got ${JSON.stringify(cell)}.`);
    }
    ((weights[match[1] as string] ??= {}) as Record<string, number>)[match[2] as string] = value;
  }
  return weights;
}

/** A flag's command-line name from its key in {@link TrainFlags}: `generatorHidden` → `generator-hidden`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** A preset's flags as a command line says them: `--initialization dcgan --generator-hidden 1024 …`. */
export function presetFlags(flags: Readonly<TrainFlags>): string {
  return Object.entries(flags)
    .map(([key, value]) => `--${flagName(key)} ${String(value)}`)
    .join(' ');
}

/** The flags that were given (commander leaves absent ones undefined), so that a preset's defaults fill only those. */
function definedFlags(flags: TrainFlags): TrainFlags {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)) as TrainFlags;
}

/** `--curve-every`: MNIST runs have a quality curve by default (every 1,000 steps); other data has no reference classifier to draw one. */
function curveEvery(value: string | undefined, dataset: DatasetName | null, steps: number): { curveEvery?: number } {
  if (dataset !== 'mnist') {
    if (value !== undefined) throw new FlagError('--curve-every scores generated digits with the MNIST reference classifier: it goes with --dataset mnist.');
    return {};
  }
  return { curveEvery: number('curve-every', value, Math.min(1000, steps), { min: 1, integer: true }) };
}

/**
 * Turns `gantry train` flags into a {@link RunConfig}, checking each against its range.
 * `loaded.mixture` is the content of `--mixture FILE`, read and checked by the caller;
 * `loaded.imageFolder` says that `--data` names a folder (of PNG images), which takes the
 * preset's image settings, as `--dataset mnist` does.
 */
export function trainConfig(flags: TrainFlags, resolvePath: (path: string) => string, loaded: { readonly mixture?: GaussianMixtureOptions; readonly imageFolder?: boolean } = {}): RunConfig {
  const recipe = oneOf('recipe', flags.recipe ?? 'vcagan', Object.keys(RECIPES));
  if (flags.dataset !== undefined && flags.data !== undefined) throw new FlagError('--dataset and --data are exclusive: name a built-in dataset or give a file, not both.');
  const dataset = flags.data === undefined ? oneOf('dataset', flags.dataset ?? 'gaussian-mixture', DATASETS) : null;
  if (flags.mixture !== undefined && dataset !== 'gaussian-mixture') throw new FlagError(`--mixture describes a Gaussian mixture: it goes with --dataset gaussian-mixture, not ${flags.data === undefined ? `--dataset ${dataset ?? ''}` : '--data'}.`);
  const preset = flags.preset === undefined ? null : oneOf('preset', flags.preset, Object.keys(PRESETS) as PresetName[]);
  const images = dataset === 'mnist' || (dataset === null && loaded.imageFolder === true);
  const base = PRESETS[preset ?? 'quick'];
  if (images) flags = { ...base.images.flags, ...definedFlags(flags) };
  const backend = oneOf('backend', flags.backend ?? 'auto', ['auto', ...BACKEND_NAMES]);
  const recipeOptions: Record<string, number | string | boolean | readonly number[]> = {};
  const optional = (flag: string, key: string, value: string | undefined, range: Parameters<typeof number>[3]): void => {
    if (value !== undefined) recipeOptions[key] = number(flag, value, 0, range);
  };
  optional('lambda-creg', 'lambdaCreg', flags.lambdaCreg, { min: 0 });
  optional('lambda-cls', 'lambdaCls', flags.lambdaCls, { min: 0 });
  optional('lambda-r1', 'lambdaR1', flags.lambdaR1, { min: 0 });
  optional('lambda-r2', 'lambdaR2', flags.lambdaR2, { min: 0 });
  optional('lambda-creg-fake', 'lambdaCregFake', flags.lambdaCregFake, { min: 0 });
  optional('penalty-interval', 'penaltyInterval', flags.penaltyInterval, { min: 1, integer: true });
  optional('warmup-steps', 'warmupSteps', flags.warmupSteps, { min: 0, integer: true });
  if (flags.recentre === true) {
    if (recipeOptions.warmupSteps === undefined || recipeOptions.warmupSteps === 0) throw new FlagError('--recentre re-centres the virtual labels during the prior warm-up: give --warmup-steps too.');
    recipeOptions.recentre = true;
  }
  optional('recentre-anneal-steps', 'recentreAnnealSteps', flags.recentreAnnealSteps, { min: 0, integer: true });
  if (recipeOptions.recentreAnnealSteps !== undefined && recipeOptions.recentreAnnealSteps !== 0 && recipeOptions.recentre !== true) {
    throw new FlagError('--recentre-anneal-steps fades out the re-centring of --recentre: give --recentre (and --warmup-steps) too.');
  }
  if (flags.classifier !== undefined) recipeOptions.classifier = oneOf('classifier', flags.classifier, ['integrated', 'separate']);
  if (flags.adversarial !== undefined) recipeOptions.adversarial = oneOf('adversarial', flags.adversarial, Object.keys(ADVERSARIAL_LOSSES) as AdversarialLossName[]);
  optional('latent-dim', 'latentDim', flags.latentDim, { min: 1, integer: true });
  optional('categories', 'categories', flags.categories, { min: 1, integer: true });
  if (flags.probabilities !== undefined) {
    const values = flags.probabilities.split(',').map((cell) => Number(cell));
    const sum = values.reduce((a, b) => a + b, 0);
    if (values.some((p) => !Number.isFinite(p) || p < 0) || Math.abs(sum - 1) > 1e-5) {
      throw new FlagError(`--probabilities must be comma-separated non-negative numbers summing to 1, got ${JSON.stringify(flags.probabilities)}.`);
    }
    recipeOptions.probabilities = values;
  }
  const trained = images ? 'images (CNNs: --channels)' : 'points (MLPs: --units, --layers)';
  for (const [flag, value] of [['units', flags.units], ['layers', flags.layers], ['channels', flags.channels]] as const) {
    if (value !== undefined && images !== (flag === 'channels')) throw new FlagError(`--${flag} sizes the ${flag === 'channels' ? 'CNNs of image data' : 'MLPs of point data'}, but this run trains on ${trained}.`);
  }
  for (const [flag, value] of [['generator-hidden', flags.generatorHidden], ['discriminator-hidden', flags.discriminatorHidden], ['generator-activation', flags.generatorActivation], ['generator-normalization', flags.generatorNormalization], ['discriminator-normalization', flags.discriminatorNormalization]] as const) {
    if (value !== undefined && !images) throw new FlagError(`--${flag} shapes the CNNs of image data, but this run trains on ${trained}.`);
  }
  const units = (flag: string, value: string): number[] => {
    const list = value.trim() === '' ? [] : value.split(',').map((cell) => Number(cell));
    if (list.some((c) => !Number.isInteger(c) || c < 1)) throw new FlagError(`--${flag} must be comma-separated positive integers (units of fully connected layers, e.g. 1024), or "" for none, got ${JSON.stringify(value)}.`);
    return list;
  };
  if (flags.initialization !== undefined) recipeOptions.initialization = oneOf('initialization', flags.initialization, ['equalized', 'dcgan']);
  if (images) {
    const channels = flags.channels === undefined ? [...base.images.channels] : flags.channels.split(',').map((cell) => Number(cell));
    if (channels.some((c) => !Number.isInteger(c) || c < 1)) throw new FlagError(`--channels must be comma-separated positive integers (D's filters from the input up, e.g. 32,64), got ${JSON.stringify(flags.channels)}.`);
    recipeOptions.channels = channels;
    if (flags.generatorHidden !== undefined) recipeOptions.generatorHidden = units('generator-hidden', flags.generatorHidden);
    if (flags.discriminatorHidden !== undefined) recipeOptions.discriminatorHidden = units('discriminator-hidden', flags.discriminatorHidden);
    if (flags.generatorActivation !== undefined) recipeOptions.generatorActivation = oneOf('generator-activation', flags.generatorActivation, ['leaky', 'relu']);
    if (flags.generatorNormalization !== undefined) recipeOptions.generatorNormalization = oneOf('generator-normalization', flags.generatorNormalization, ['none', 'batch']);
    if (flags.discriminatorNormalization !== undefined) recipeOptions.discriminatorNormalization = oneOf('discriminator-normalization', flags.discriminatorNormalization, ['none', 'batch', 'layer']);
  } else {
    recipeOptions.units = number('units', flags.units, base.points.units, { min: 1, integer: true });
    recipeOptions.layers = number('layers', flags.layers, base.points.layers, { min: 1, integer: true });
  }
  // An option the recipe does not have would be ignored by its build: refused instead.
  const own = (RECIPES[recipe] as Recipe<Record<string, unknown>>).defaults;
  const foreign = Object.keys(recipeOptions).find((key) => !(key in own));
  if (foreign !== undefined) throw new FlagError(`--${flagName(foreign)} is not an option of --recipe ${recipe}, which would ignore it.`);
  const steps = number('steps', flags.steps, images ? base.images.steps : base.points.steps, { min: 1, integer: true });
  const weights = flags.weights === undefined ? undefined : termWeights(flags.weights);
  const generatorEma = flags.generatorEma === undefined ? null : number('generator-ema', flags.generatorEma, 0, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  return {
    format: 'gantry/run-config',
    version: 1,
    recipe,
    recipeOptions,
    dataset,
    mixture: loaded.mixture ?? null,
    data: flags.data === undefined ? null : resolvePath(flags.data),
    labelColumn: flags.labelColumn ?? null,
    preset,
    steps,
    batchSize: number('batch-size', flags.batchSize, base.batchSize, { min: 1, integer: true }),
    seed: number('seed', flags.seed, 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
    backend,
    learningRate: number('learning-rate', flags.learningRate, 1e-3, { min: 0, exclusiveMin: true }),
    ...(flags.generatorLearningRate === undefined ? {} : { generatorLearningRate: number('generator-learning-rate', flags.generatorLearningRate, 1e-3, { min: 0, exclusiveMin: true }) }),
    beta1: number('beta1', flags.beta1, 0, { min: 0, max: 1, exclusiveMax: true }),
    beta2: 0.99,
    generatorEma,
    ...(weights === undefined ? {} : { weights }),
    logEvery: number('log-every', flags.logEvery, Math.max(1, Math.min(100, Math.floor(steps / 100))), { min: 1, integer: true }),
    checkpointEvery: number('checkpoint-every', flags.checkpointEvery, Math.min(1000, steps), { min: 1, integer: true }),
    sampleEvery: number('sample-every', flags.sampleEvery, Math.min(10_000, steps), { min: 1, integer: true }),
    ...curveEvery(flags.curveEvery, dataset, steps),
  };
}

/**
 * Checks a config read back from a run folder (it may be hand-edited or damaged): every
 * field's type and range, so that a bad value is named here, with its file, rather than
 * failing somewhere inside training. Throws {@link CorruptRunError}.
 */
export function checkConfig(value: unknown, source: string): RunConfig {
  const bad = (field: string, expected: string, actual: unknown): never => {
    throw new CorruptRunError(`${source}: ${field} must be ${expected}, got ${JSON.stringify(actual) ?? String(actual)}; fix it, or start the run again (--force).`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('the file', 'a Gantry run configuration object', value);
  const config = value as Record<string, unknown>;
  if (config.format !== 'gantry/run-config') bad('format', '"gantry/run-config"', config.format);
  if (config.version !== 1) bad('version', '1', config.version);
  const choice = (field: string, choices: readonly (string | null)[]): void => {
    if (!choices.includes(config[field] as string | null)) bad(field, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, config[field]);
  };
  const integer = (field: string, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const n = config[field];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) bad(field, `an integer in [${min}, ${max}]`, n);
  };
  const fraction = (field: string, { min, max, minOpen, maxOpen }: { min: number; max: number; minOpen: boolean; maxOpen: boolean }): void => {
    const n = config[field];
    if (typeof n !== 'number' || !Number.isFinite(n) || (minOpen ? n <= min : n < min) || (maxOpen ? n >= max : n > max)) bad(field, `a number in ${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`, n);
  };
  const stringOrNull = (field: string): void => {
    if (config[field] !== null && typeof config[field] !== 'string') bad(field, 'a string or null', config[field]);
  };
  choice('recipe', Object.keys(RECIPES));
  choice('dataset', [...DATASETS, null]);
  stringOrNull('data');
  if (config.dataset === null && typeof config.data !== 'string') bad('data', 'a path (dataset is null)', config.data);
  stringOrNull('labelColumn');
  choice('preset', [...(Object.keys(PRESETS) as PresetName[]), null]);
  choice('backend', ['auto', ...BACKEND_NAMES]);
  integer('steps', 1);
  integer('batchSize', 1);
  integer('seed', 0, 2 ** 32 - 1);
  integer('logEvery', 1);
  integer('checkpointEvery', 1);
  integer('sampleEvery', 1);
  fraction('learningRate', { min: 0, max: Number.MAX_VALUE, minOpen: true, maxOpen: false });
  if (config.generatorLearningRate !== undefined) fraction('generatorLearningRate', { min: 0, max: Number.MAX_VALUE, minOpen: true, maxOpen: false });
  if (config.curveEvery !== undefined) integer('curveEvery', 1);
  fraction('beta1', { min: 0, max: 1, minOpen: false, maxOpen: true });
  fraction('beta2', { min: 0, max: 1, minOpen: false, maxOpen: true });
  if (config.generatorEma !== null) fraction('generatorEma', { min: 0, max: 1, minOpen: true, maxOpen: true });
  if (config.mixture !== undefined && config.mixture !== null && (typeof config.mixture !== 'object' || Array.isArray(config.mixture))) bad('mixture', 'a mixture object or null', config.mixture);
  if (config.weights !== undefined) {
    const phases = config.weights;
    if (typeof phases !== 'object' || phases === null || Array.isArray(phases)) bad('weights', 'an object of phases', phases);
    for (const [phase, terms] of Object.entries(phases as Record<string, unknown>)) {
      if (typeof terms !== 'object' || terms === null || Array.isArray(terms)) bad(`weights.${phase}`, 'an object of term weights', terms);
      for (const [term, weight] of Object.entries(terms as Record<string, unknown>)) {
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) bad(`weights.${phase}.${term}`, 'a number >= 0', weight);
      }
    }
  }
  const options = config.recipeOptions;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) bad('recipeOptions', 'an object', options);
  for (const [key, option] of Object.entries(options as Record<string, unknown>)) {
    const ok = (typeof option === 'number' && Number.isFinite(option)) || typeof option === 'string' || typeof option === 'boolean' || (Array.isArray(option) && option.every((n) => typeof n === 'number' && Number.isFinite(n)));
    if (!ok) bad(`recipeOptions.${key}`, 'a finite number, a string, a boolean or a list of finite numbers', option);
  }
  return value as RunConfig;
}

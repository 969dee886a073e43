import * as tf from '@tensorflow/tfjs-core';
import { createRandom, expectNumber, InvalidArgumentError, type Random, type RandomState } from '@gantry/backend';
import { weighted } from '@gantry/losses';
import { trainableVariables } from '@gantry/models';
import { categoricalPriorFromJSON, generatorInput, oneHotLabels, type CategoricalPrior, type CategoricalPriorJSON, type JsonValue } from '@gantry/priors';
import { adam, disposeAdamState, type Adam, type AdamOptions, type AdamState } from './adam.js';
import type { DataSource } from './data.js';
import { weightsEma, type WeightsEma } from './ema.js';
import { NonFiniteLossError } from './errors.js';
import type { Phase, RecipeSetup, StepBatch, TermContext } from './recipe.js';

/** Options of {@link createTrainer}; the defaults are the paper's (Section 4). */
export interface TrainerOptions {
  readonly setup: RecipeSetup;
  readonly data: DataSource;
  /** Default 32. */
  readonly batchSize?: number;
  /** The seed of every draw the trainer makes (z, c, mixture points). Default 0. */
  readonly seed?: number;
  /** Adam options for every network, or per network name. Default lr 1e-3, β = (0, 0.99). */
  readonly optimizer?: AdamOptions | Readonly<Record<string, AdamOptions>>;
  /** Weight overrides by phase and term: `{ discriminator: { creg: 0 } }` is an ablation. */
  readonly weights?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Decay of an EMA of the generator's weights, or undefined for none. */
  readonly generatorEma?: number;
}

/** What one step measured. */
export interface StepReport {
  /** The step just completed, from 1. */
  readonly step: number;
  /** Unweighted term values by `phase.term`, e.g. `discriminator.creg`. */
  readonly losses: Readonly<Record<string, number>>;
  /** P(C) after the step. */
  readonly prior: readonly number[];
  /** Its entropy in nats. */
  readonly entropy: number;
}

/** A trainer's state as plain JSON plus named tensors: what a checkpoint holds. */
export interface TrainerSnapshot {
  readonly json: {
    readonly format: 'gantry/trainer-state';
    readonly version: 1;
    readonly step: number;
    readonly random: RandomState;
    readonly prior: CategoricalPriorJSON;
    readonly data: JsonValue;
    readonly optimizerSteps: Readonly<Record<string, number>>;
    readonly generatorEma: number | null;
  };
  /** `network/<name>/<i>`, `adam/<name>/m/<i>`, `adam/<name>/v/<i>`, `ema/<i>`: copies, the caller disposes them. */
  readonly tensors: tf.NamedTensorMap;
}

/** Samples from the generator. */
export interface GeneratedSamples {
  readonly x: tf.Tensor;
  /** The category of each sample. */
  readonly categories: Int32Array;
}

/** A running training: step it, sample from it, snapshot and restore it. */
export interface Trainer {
  readonly setup: RecipeSetup;
  readonly data: DataSource;
  readonly batchSize: number;
  /** Steps completed. */
  readonly step: number;
  /** P(C) now. */
  readonly prior: CategoricalPrior;
  readonly generatorEma: WeightsEma | undefined;
  /** The effective weights per phase, after overrides. */
  readonly weights: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** One step of Algorithm 1 (all phases, then the prior update); throws {@link NonFiniteLossError} before applying a bad gradient. */
  trainStep(): StepReport;
  /**
   * Draws `count` samples from the generator (with averaged weights when an EMA is on,
   * unless `useEma` is false), with categories from P(C) or the given ones.
   */
  sample(count: number, options?: { readonly categories?: readonly number[]; readonly useEma?: boolean; readonly seed?: number }): GeneratedSamples;
  snapshot(): TrainerSnapshot;
  restore(snapshot: TrainerSnapshot): void;
  dispose(): void;
}

interface NetworkOptimizer {
  readonly adam: Adam;
  state: AdamState;
  readonly variables: tf.Variable[];
}

function effectiveWeights(setup: RecipeSetup, overrides: TrainerOptions['weights']): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  for (const phase of setup.phases) result[phase.name] = { ...phase.weights };
  for (const [phaseName, terms] of Object.entries(overrides ?? {})) {
    const phase = setup.phases.find((candidate) => candidate.name === phaseName);
    if (phase === undefined) throw new InvalidArgumentError('createTrainer', `options.weights.${phaseName}`, `a phase of the recipe (${setup.phases.map((p) => p.name).join(', ')})`, 'an unknown phase');
    for (const [term, weight] of Object.entries(terms)) {
      if (!(term in phase.terms)) throw new InvalidArgumentError('createTrainer', `options.weights.${phaseName}.${term}`, `a term of phase ${phaseName} (${Object.keys(phase.terms).join(', ')})`, 'an unknown term');
      (result[phaseName] as Record<string, number>)[term] = expectNumber('createTrainer', `options.weights.${phaseName}.${term}`, weight);
    }
  }
  return result;
}

/**
 * Creates a trainer for a recipe: one Adam per network, the recipe's priors, the data.
 * Everything random comes from one seeded stream, so a run is reproducible and a restored
 * snapshot continues it exactly.
 */
export function createTrainer(options: TrainerOptions): Trainer {
  const caller = 'createTrainer';
  const { setup, data } = options;
  const batchSize = expectNumber(caller, 'options.batchSize', options.batchSize ?? 32, { min: 1, integer: true });
  const seed = expectNumber(caller, 'options.seed', options.seed ?? 0, { min: 0, integer: true });
  if (!(setup.generator in setup.networks)) throw new InvalidArgumentError(caller, 'options.setup.generator', `a key of setup.networks (${Object.keys(setup.networks).join(', ')})`, JSON.stringify(setup.generator));
  const weights = effectiveWeights(setup, options.weights);
  let random: Random = createRandom(seed);
  let prior = setup.categorical;
  let step = 0;

  const optimizers: Record<string, NetworkOptimizer> = {};
  for (const phase of setup.phases) {
    const model = setup.networks[phase.network];
    if (model === undefined) throw new InvalidArgumentError(caller, `phase ${phase.name}.network`, `a key of setup.networks (${Object.keys(setup.networks).join(', ')})`, JSON.stringify(phase.network));
    if (optimizers[phase.network] !== undefined) continue;
    const perNetwork = options.optimizer as Readonly<Record<string, AdamOptions>> | undefined;
    const adamOptions = perNetwork !== undefined && typeof perNetwork[phase.network] === 'object' ? perNetwork[phase.network] : (options.optimizer as AdamOptions | undefined);
    const optimizer = adam(adamOptions ?? {});
    const variables = trainableVariables(model);
    optimizers[phase.network] = { adam: optimizer, state: optimizer.init(variables), variables };
  }
  const generatorModel = setup.networks[setup.generator] as NonNullable<(typeof setup.networks)[string]>;
  const generatorVariables = trainableVariables(generatorModel);
  const ema = options.generatorEma === undefined ? undefined : weightsEma(generatorVariables, { decay: options.generatorEma });

  function drawBatch(): StepBatch {
    const real = data.next(batchSize, random);
    const z = setup.continuous.sample(batchSize, random);
    const c = prior.sample(batchSize, random);
    const realLabels = real.labels === undefined || data.classes === undefined ? undefined : oneHotLabels(Array.from(real.labels), data.classes);
    return { real: real.x, realLabels, z, c, generatorInput: generatorInput(z, c, { labelEncoding: setup.labelEncoding ?? 'one-hot' }) };
  }

  function runPhase(phase: Phase, batch: StepBatch, observed: Record<string, tf.Tensor>, losses: Record<string, number>, stepNumber: number): void {
    const phaseWeights = weights[phase.name] as Record<string, number>;
    const active = Object.keys(phase.terms).filter((name) => phaseWeights[name] !== 0);
    const optimizer = optimizers[phase.network] as NetworkOptimizer;
    const { grads } = tf.variableGrads(() => {
      const cache = new Map<string, unknown>();
      const context: TermContext = {
        step: stepNumber,
        batch,
        networks: setup.networks,
        memo<T>(key: string, compute: () => T): T {
          if (!cache.has(key)) cache.set(key, compute());
          return cache.get(key) as T;
        },
      };
      const terms: Record<string, tf.Scalar> = {};
      for (const name of active) terms[name] = (phase.terms[name] as (context: TermContext) => tf.Scalar)(context);
      for (const [key, tensor] of Object.entries(phase.observe?.(context) ?? {})) observed[key] = tf.keep(tf.clone(tensor));
      // One read for all terms: the values for the log and the NaN guard, before any update.
      const values = active.length === 0 ? new Float32Array(0) : tf.tidy(() => tf.stack(active.map((name) => tf.reshape(terms[name] as tf.Scalar, [])))).dataSync();
      active.forEach((name, index) => {
        const value = values[index] as number;
        if (!Number.isFinite(value)) throw new NonFiniteLossError(stepNumber, phase.name, name, value);
        losses[`${phase.name}.${name}`] = value;
      });
      return weighted(terms, Object.fromEntries(active.map((name) => [name, phaseWeights[name] as number])));
    }, optimizer.variables);
    optimizer.state = optimizer.adam.apply(optimizer.state, optimizer.variables, grads);
  }

  const trainer: Trainer = {
    setup,
    data,
    batchSize,
    get step() {
      return step;
    },
    get prior() {
      return prior;
    },
    generatorEma: ema,
    weights,
    trainStep() {
      const stepNumber = step + 1;
      const observed: Record<string, tf.Tensor> = {};
      const losses: Record<string, number> = {};
      try {
        tf.tidy(() => {
          const batch = drawBatch();
          for (const phase of setup.phases) runPhase(phase, batch, observed, losses, stepNumber);
        });
        if (setup.updatePrior !== undefined) prior = setup.updatePrior(observed, prior, stepNumber);
      } finally {
        tf.dispose(Object.values(observed));
      }
      ema?.update(generatorVariables);
      step = stepNumber;
      return { step, losses, prior: prior.probabilities(), entropy: prior.entropy() };
    },
    sample(count, sampleOptions = {}) {
      const total = expectNumber('Trainer.sample', 'count', count, { min: 1, integer: true });
      const stream = createRandom(sampleOptions.seed ?? 0x5eed);
      return tf.tidy(() => {
        const z = setup.continuous.sample(total, stream);
        let categories: Int32Array;
        let c: tf.Tensor2D;
        if (sampleOptions.categories === undefined) {
          const indices = prior.sampleIndices(total, stream);
          categories = indices.dataSync() as Int32Array;
          c = oneHotLabels(Array.from(categories), prior.categories);
        } else {
          if (sampleOptions.categories.length !== total) throw new InvalidArgumentError('Trainer.sample', 'options.categories', `${total} categories (one per sample)`, `${sampleOptions.categories.length}`);
          categories = Int32Array.from(sampleOptions.categories);
          c = oneHotLabels(sampleOptions.categories, prior.categories);
        }
        const input = generatorInput(z, c, { labelEncoding: setup.labelEncoding ?? 'one-hot' });
        const generate = (): tf.Tensor => generatorModel.apply(input) as tf.Tensor;
        const x = ema !== undefined && sampleOptions.useEma !== false ? ema.withAveragedWeights(generatorVariables, generate) : generate();
        return { x: tf.keep(x), categories };
      }) as unknown as GeneratedSamples;
    },
    snapshot() {
      const tensors: tf.NamedTensorMap = {};
      for (const [name, model] of Object.entries(setup.networks)) {
        trainableVariables(model).forEach((variable, index) => {
          tensors[`network/${name}/${index}`] = variable.clone();
        });
      }
      const optimizerSteps: Record<string, number> = {};
      for (const [name, optimizer] of Object.entries(optimizers)) {
        optimizerSteps[name] = optimizer.state.step;
        optimizer.state.firstMoments.forEach((moment, index) => {
          tensors[`adam/${name}/m/${index}`] = moment.clone();
        });
        optimizer.state.secondMoments.forEach((moment, index) => {
          tensors[`adam/${name}/v/${index}`] = moment.clone();
        });
      }
      ema?.shadows.forEach((shadow, index) => {
        tensors[`ema/${index}`] = shadow.clone();
      });
      return {
        json: {
          format: 'gantry/trainer-state',
          version: 1,
          step,
          random: random.state,
          prior: prior.toJSON(),
          data: data.state(),
          optimizerSteps,
          generatorEma: ema === undefined ? null : ema.decay,
        },
        tensors,
      };
    },
    restore(snapshot) {
      const { json, tensors } = snapshot;
      if (json.format !== 'gantry/trainer-state' || json.version !== 1) throw new InvalidArgumentError('Trainer.restore', 'snapshot.json.format', "'gantry/trainer-state' version 1", `${String(json.format)} version ${String(json.version)}`);
      const take = (key: string, into: tf.Variable): void => {
        const value = tensors[key];
        if (value === undefined) throw new InvalidArgumentError('Trainer.restore', `snapshot.tensors['${key}']`, `a tensor of shape [${into.shape.join(', ')}]`, 'nothing');
        if (value.shape.join() !== into.shape.join()) throw new InvalidArgumentError('Trainer.restore', `snapshot.tensors['${key}']`, `shape [${into.shape.join(', ')}]`, `shape [${value.shape.join(', ')}]`);
        into.assign(value);
      };
      for (const [name, model] of Object.entries(setup.networks)) trainableVariables(model).forEach((variable, index) => take(`network/${name}/${index}`, variable));
      for (const [name, optimizer] of Object.entries(optimizers)) {
        optimizer.state.firstMoments.forEach((moment, index) => take(`adam/${name}/m/${index}`, moment));
        optimizer.state.secondMoments.forEach((moment, index) => take(`adam/${name}/v/${index}`, moment));
        optimizer.state = { ...optimizer.state, step: json.optimizerSteps[name] ?? 0 };
      }
      if ((json.generatorEma === null) !== (ema === undefined)) {
        throw new InvalidArgumentError('Trainer.restore', 'snapshot.json.generatorEma', ema === undefined ? 'null (this trainer has no generator EMA)' : `a decay (this trainer averages with ${ema.decay})`, String(json.generatorEma));
      }
      ema?.shadows.forEach((shadow, index) => take(`ema/${index}`, shadow));
      random = createRandom(json.random);
      prior = categoricalPriorFromJSON(json.prior, { rules: { [prior.rule.name]: () => prior.rule } });
      data.restore(json.data);
      step = json.step;
    },
    dispose() {
      for (const optimizer of Object.values(optimizers)) disposeAdamState(optimizer.state);
      ema?.dispose();
    },
  };
  return trainer;
}

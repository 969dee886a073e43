import * as tf from '@tensorflow/tfjs-core';
import { createRandom, describeValue, expectNumber, InvalidArgumentError, valueChecksEnabled, variableGradsFreeingTape, type Random, type RandomState } from '@gantry/backend';
import { weighted } from '@gantry/losses';
import { trainableVariables } from '@gantry/models';
import { categoricalPriorFromJSON, generatorInput, oneHotLabels, type CategoricalPrior, type CategoricalPriorJSON, type JsonValue } from '@gantry/priors';
import { adam, adamScalars, adamUpdates, disposeAdamState, type Adam, type AdamOptions, type AdamState } from './adam.js';
import type { DataSource } from './data.js';
import { weightsEma, type WeightsEma } from './ema.js';
import { NonFiniteLossError } from './errors.js';
import { recordPlan, type KernelPlan } from './plan.js';
import { dueTerms, type ObservedValue, type Phase, type RecipeSetup, type StepBatch, type TermContext } from './recipe.js';

/** A phase's unweighted term values, kept on the device until the step's one read. */
interface PhaseValues {
  readonly phase: string;
  readonly terms: readonly string[];
  readonly values: tf.Tensor;
}

/** Class indices on the device as one-hot float32 rows (an int32 one-hot, cast: wasm's float32 oneHot writes int32 bits). */
function deviceOneHot(indices: tf.Tensor1D, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(indices, 'int32'), classes), 'float32') as tf.Tensor2D);
}

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
  /**
   * Replay recorded kernel plans (`recordPlan`) for the phases that declare a
   * {@link Phase.planKey}, and for every Adam step: the same kernels on the same values,
   * without TF.js's engine. Each plan is checked once, bit for bit, against a real
   * computation before it is used; a refused plan leaves its phase on the engine
   * ({@link Trainer.plans} says which and why). Default false.
   */
  readonly plan?: boolean;
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
  /**
   * One step of Algorithm 1 (all phases, then the prior update), with one device read: every
   * phase's term values and observations together, once the phases have run. A non-finite
   * term in any phase throws {@link NonFiniteLossError} and undoes the whole step (weights,
   * Adam state, random stream, data position; P(C) and the generator EMA are not touched),
   * so the trainer stays at the last good step. Any other error in the step is undone too.
   */
  trainStep(): StepReport;
  /**
   * Draws `count` samples from the generator (with averaged weights when an EMA is on,
   * unless `useEma` is false), with categories from P(C) or the given ones, and z from the
   * sampling stream or the given `latent` ([count, d_z]; the caller keeps and disposes it).
   * The generator's input is encoded as in training (the recipe's label encoding).
   *
   * @example
   * ```ts
   * // Figs. 5-7: one z per row, repeated across categories 0 and 1.
   * const z = tf.randomNormal([4, 16]) as tf.Tensor2D;
   * const rows = tf.reshape(tf.tile(tf.expandDims(z, 1), [1, 2, 1]), [8, 16]) as tf.Tensor2D;
   * const { x } = trainer.sample(8, { categories: [0, 1, 0, 1, 0, 1, 0, 1], latent: rows });
   * ```
   */
  sample(count: number, options?: { readonly categories?: readonly number[]; readonly useEma?: boolean; readonly seed?: number; readonly latent?: tf.Tensor2D }): GeneratedSamples;
  /** The whole state as JSON plus named tensor copies (the caller disposes them): what a checkpoint holds. */
  snapshot(): TrainerSnapshot;
  /**
   * Continues from a snapshot of a trainer made from the same recipe. Every tensor's
   * presence and shape, the EMA, the random stream and the prior are checked before
   * anything is assigned: a snapshot that does not fit throws and leaves the trainer as it was.
   */
  restore(snapshot: TrainerSnapshot): void;
  /**
   * With `plan: true`, each computation of the step (`discriminator`, `discriminator/adam`, ...)
   * and how it runs now: `replayed (N kernels)`, `recorded, not yet checked (N kernels)`,
   * `engine: <why>`, or `engine` for one never planned.
   */
  plans(): Readonly<Record<string, string>>;
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

/** How a phase's outputs are laid out: the variables with a gradient, then the observed keys. */
interface Layout {
  gradients: string[];
  observed: string[];
}

/** How many keys' plans a computation keeps (a lazy term needs two: steps with and without it). */
const PLANS_PER_COMPUTATION = 4;

interface RecordedComputation {
  readonly plan: KernelPlan;
  readonly layout: Layout;
  checked: boolean;
}

/** The batch's tensors in a fixed order, the inputs of a phase's plan. */
function batchTensors(batch: StepBatch): tf.Tensor[] {
  return [batch.real, batch.z, batch.c, batch.generatorInput, ...(batch.realLabels === undefined ? [] : [batch.realLabels])];
}

function batchOf(tensors: readonly tf.Tensor[]): StepBatch {
  const [real, z, c, generatorInput, realLabels] = tensors as [tf.Tensor, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D | undefined];
  return { real, z, c, generatorInput, realLabels };
}

/** Whether two tensors hold the same bits (NaN equal to the same NaN). */
export function sameBits(a: tf.Tensor, b: tf.Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.dataSync() as tf.TypedArray;
  const y = b.dataSync() as tf.TypedArray;
  // The same dtype and shape: the same number of bytes.
  const u = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const v = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
  return u.every((byte, index) => byte === v[index]);
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
  if (setup.phases.length === 0) throw new InvalidArgumentError(caller, 'options.setup.phases', 'at least one phase', 'none');
  if (!(setup.generator in setup.networks)) throw new InvalidArgumentError(caller, 'options.setup.generator', `a key of setup.networks (${Object.keys(setup.networks).join(', ')})`, JSON.stringify(setup.generator));
  const weights = effectiveWeights(setup, options.weights);
  for (const phase of setup.phases) {
    for (const [term, interval] of Object.entries(phase.intervals ?? {})) {
      if (!(term in phase.terms)) throw new InvalidArgumentError(caller, `phase ${phase.name}.intervals.${term}`, `a term of phase ${phase.name} (${Object.keys(phase.terms).join(', ')})`, 'an unknown term');
      expectNumber(caller, `phase ${phase.name}.intervals.${term}`, interval, { min: 1, integer: true });
    }
  }
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
    const realLabels = real.labels === undefined || data.classes === undefined ? undefined : real.labels instanceof tf.Tensor ? deviceOneHot(real.labels, data.classes) : oneHotLabels(Array.from(real.labels), data.classes);
    // Stryker disable next-line LogicalOperator: equivalent: generatorInput's own default is 'one-hot'
    return { real: real.x, realLabels, z, c, generatorInput: generatorInput(z, c, { labelEncoding: setup.labelEncoding ?? 'one-hot' }) };
  }

  // Kernel plans (options.plan): per phase and per phase's Adam step, the plans recorded for
  // its most recent keys (a lazy term alternates two keys: each keeps its plan), whether one
  // real computation has confirmed each, and why a computation's plans were refused.
  const planning = options.plan === true;
  const plans = new Map<string, Map<string, RecordedComputation>>();
  const refusals = new Map<string, string>();
  const networkVariables = Object.values(setup.networks).flatMap((model) => model.weights.map((weight) => weight.read() as tf.Variable));

  /** Leaves a computation on the engine for the rest of the run, freeing its plans. */
  function refuse(name: string, reason: string): void {
    for (const entry of plans.get(name)?.values() ?? []) entry.plan.dispose();
    plans.delete(name);
    refusals.set(name, reason);
  }

  /**
   * Runs a computation of the step: through the engine, or from a recorded plan when
   * planning, a plan for the key exists and one real computation has confirmed it bit for bit.
   * `layout` receives how the outputs are laid out, from the computation or the recording.
   */
  function computeOrReplay(name: string, key: string | null, compute: (inputs: readonly tf.Tensor[]) => tf.Tensor[], inputs: readonly tf.Tensor[], variables: readonly tf.Variable[], layout: Layout): tf.Tensor[] {
    if (!planning || key === null || refusals.has(name)) return compute(inputs);
    // A plan calls one backend's kernels: another backend records its own.
    key = `${tf.getBackend()}|${key}`;
    let recorded = plans.get(name);
    if (recorded === undefined) plans.set(name, (recorded = new Map()));
    const entry = recorded.get(key);
    if (entry !== undefined) {
      // The most recently used key last: the order of eviction, and what plans() reports.
      recorded.delete(key);
      recorded.set(key, entry);
      if (entry.checked) {
        Object.assign(layout, entry.layout);
        return entry.plan.run(inputs);
      }
      const real = compute(inputs);
      const replayed = entry.plan.run(inputs);
      const same = real.length === replayed.length && real.every((tensor, index) => sameBits(tensor, replayed[index] as tf.Tensor));
      tf.dispose(replayed);
      if (same) entry.checked = true;
      else refuse(name, `at step ${step + 1} its replay differed from the real computation`);
      return real;
    }
    const recording = recordPlan(compute, inputs, variables);
    // Stryker disable next-line StringLiteral: equivalent: recordPlan gives a reason whenever it gives no plan
    if (recording.plan === null) refuse(name, recording.refused ?? 'refused');
    else {
      recorded.set(key, { plan: recording.plan, layout: { gradients: [...layout.gradients], observed: [...layout.observed] }, checked: false });
      // Plans of keys not used for a while (weights changed during a run) are freed.
      for (const [stale, old] of recorded) {
        if (recorded.size <= PLANS_PER_COMPUTATION) break;
        old.plan.dispose();
        recorded.delete(stale);
      }
    }
    return recording.outputs;
  }

  // Each phase in its own scope: its gradients and Adam's temporaries are freed when the
  // phase ends, not held to the end of the step (a third of the 4 × 512 step's time).
  function runPhase(phase: Phase, batch: StepBatch, observed: Record<string, tf.Tensor>, results: PhaseValues[], stepNumber: number): void {
    tf.tidy(() => {
      runPhaseInScope(phase, batch, observed, results, stepNumber);
    });
  }

  function runPhaseInScope(phase: Phase, batch: StepBatch, observed: Record<string, tf.Tensor>, results: PhaseValues[], stepNumber: number): void {
    // This step's terms and their weights (lazy terms: Phase.intervals).
    const phaseWeights = dueTerms(weights[phase.name] as Record<string, number>, phase.intervals, stepNumber);
    const active = Object.keys(phase.terms).filter((name) => phaseWeights[name] !== undefined);
    const optimizer = optimizers[phase.network] as NetworkOptimizer;
    // Stryker disable next-line ObjectLiteral,ArrayDeclaration: equivalent: the computation or its plan sets both lists before they are read
    const layout: Layout = { gradients: [], observed: [] };
    const guard = (read: tf.TypedArray): void => {
      active.forEach((name, index) => {
        const value = read[index] as number;
        if (!Number.isFinite(value)) throw new NonFiniteLossError(stepNumber, phase.name, name, value);
      });
    };
    // The phase as a function of the batch's tensors: [term values, gradients, observed values].
    const computePhase = (inputs: readonly tf.Tensor[]): tf.Tensor[] => {
      const stepBatch = batchOf(inputs);
      const observedHere: Record<string, tf.Tensor> = {};
      let values: tf.Tensor | undefined;
      const body = (): tf.Scalar => {
        const cache = new Map<string, unknown>();
        const context: TermContext = {
          step: stepNumber,
          batch: stepBatch,
          networks: setup.networks,
          memo<T>(key: string, compute: () => T): T {
            if (!cache.has(key)) cache.set(key, compute());
            return cache.get(key) as T;
          },
        };
        const terms: Record<string, tf.Scalar> = {};
        for (const name of active) terms[name] = (phase.terms[name] as (context: TermContext) => tf.Scalar)(context);
        for (const [key, tensor] of Object.entries(phase.observe?.(context) ?? {})) observedHere[key] = tf.keep(tf.clone(tensor));
        values = tf.keep(active.length === 0 ? tf.zeros([0]) : tf.stack(active.map((name) => tf.reshape(terms[name] as tf.Scalar, []))));
        // With value checks on, `weighted` reads the terms and rejects a NaN itself: the
        // trainer's guard comes first, to name the step and phase. (Such a phase reads
        // values while it runs, so it is never replayed.)
        if (valueChecksEnabled()) {
          try {
            guard(values.dataSync() as tf.TypedArray);
          } catch (error) {
            // Kept tensors outlive the phase's scope: free them before the step is undone.
            tf.dispose([values, ...Object.values(observedHere)]);
            throw error;
          }
        }
        return active.length === 0 ? tf.zeros([]) : weighted(terms, Object.fromEntries(active.map((name) => [name, phaseWeights[name] as number])));
      };
      // A phase whose terms all weigh 0 still observes, but has nothing to differentiate.
      let grads: Record<string, tf.Tensor> = {};
      if (active.length === 0) body();
      else {
        // A NaN guard's exception leaves TF.js's tape holding what its kernels saved: freed.
        const result = variableGradsFreeingTape(body, optimizer.variables);
        result.value.dispose();
        grads = result.grads;
      }
      layout.gradients = optimizer.variables.map((variable) => variable.name).filter((name) => grads[name] !== undefined);
      layout.observed = Object.keys(observedHere);
      return [values as tf.Tensor, ...layout.gradients.map((name) => grads[name] as tf.Tensor), ...layout.observed.map((key) => observedHere[key] as tf.Tensor)];
    };
    const key = phase.planKey?.(stepNumber);
    const phaseKey = key === undefined || key === null ? null : `${key}|${JSON.stringify(active.map((name) => [name, phaseWeights[name]]))}`;
    const [values, ...rest] = computeOrReplay(phase.name, phaseKey, computePhase, batchTensors(batch), networkVariables, layout);
    const gradients = layout.gradients.map((_, index) => rest[index] as tf.Tensor);
    const repeated = layout.observed.find((key) => observed[key] !== undefined);
    if (repeated !== undefined) {
      // Stryker disable next-line MethodExpression: equivalent: the gradients are the phase's tidy's to free; disposing them here too changes nothing
      tf.dispose([values as tf.Tensor, ...rest.slice(layout.gradients.length)]);
      throw new InvalidArgumentError('Trainer.trainStep', `phase ${phase.name}.observe`, 'keys no earlier phase of the step observed', `'${repeated}' again`);
    }
    layout.observed.forEach((key, index) => {
      observed[key] = tf.keep(rest[layout.gradients.length + index] as tf.Tensor);
    });
    // Read with the other phases' values once the step is done (one read per step): a
    // non-finite value then undoes the whole step (trainStep).
    results.push({ phase: phase.name, terms: active, values: tf.keep(values as tf.Tensor) });

    // Nothing to update (every term weighs 0): Adam's step stays where it is.
    if (layout.gradients.length === 0) return;
    const state = optimizer.state;
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent: without plans the path below computes the same update directly (computeOrReplay), bit for bit (tested), only with more bookkeeping
    if (!planning) {
      optimizer.state = optimizer.adam.apply(state, optimizer.variables, Object.fromEntries(layout.gradients.map((name, index) => [name, gradients[index] as tf.Tensor])));
      return;
    }
    // The Adam step as a function of [gradients, rate, epsilon]: [variable, m, v] per gradient.
    const adamStep = state.step + 1;
    const scalars = adamScalars(optimizer.adam.options, adamStep);
    const computeAdam = (inputs: readonly tf.Tensor[]): tf.Tensor[] => {
      const named = Object.fromEntries(layout.gradients.map((name, index) => [name, inputs[index] as tf.Tensor]));
      const count = layout.gradients.length;
      return adamUpdates(optimizer.adam.options, state, optimizer.variables, named, inputs[count] as tf.Scalar, inputs[count + 1] as tf.Scalar).flatMap((update) => [update.variable, update.firstMoment, update.secondMoment]);
    };
    const adamVariables = [...optimizer.variables, ...state.firstMoments, ...state.secondMoments];
    // Stryker disable next-line ObjectLiteral,ArrayDeclaration: equivalent: the layout of the Adam computation is never read
    const adamLayout: Layout = { gradients: [], observed: [] };
    const updates = computeOrReplay(`${phase.name}/adam`, JSON.stringify(layout.gradients), computeAdam, [...gradients, scalars.rate, scalars.epsilon], adamVariables, adamLayout);
    const indexOf = new Map(optimizer.variables.map((variable, index) => [variable.name, index]));
    layout.gradients.forEach((name, k) => {
      const index = indexOf.get(name) as number;
      (state.firstMoments[index] as tf.Variable).assign(updates[3 * k + 1] as tf.Tensor);
      (state.secondMoments[index] as tf.Variable).assign(updates[3 * k + 2] as tf.Tensor);
      (optimizer.variables[index] as tf.Variable).assign(updates[3 * k] as tf.Tensor);
    });
    optimizer.state = { ...state, step: adamStep };
  }

  /**
   * What a step changes, held so that a step that throws (a non-finite term in any phase,
   * a failing prior update) leaves no trace: the old values of every variable an optimizer
   * assigns (a second reference to each one's data: an assign only swaps the variable's data, so nothing is copied), each
   * optimizer's step, the random stream and the data position. P(C) and the generator EMA
   * change only after the step's values are checked.
   */
  function holdStepState(): { restore(): void; release(): void } {
    const assigned = Object.values(optimizers).flatMap((optimizer) => [...optimizer.variables, ...optimizer.state.firstMoments, ...optimizer.state.secondMoments]);
    const engine = tf.engine();
    const held = assigned.map((variable) => {
      // A second reference to the variable's data, without a kernel (wasm's clone copies).
      const reference = engine.makeTensorFromDataId(variable.dataId, variable.shape, variable.dtype);
      engine.backend.incRef(variable.dataId);
      return reference;
    });
    const optimizerStates = Object.values(optimizers).map((optimizer) => optimizer.state);
    const randomState = random.state;
    const dataState = data.state();
    return {
      restore() {
        assigned.forEach((variable, index) => {
          variable.assign(held[index] as tf.Tensor);
        });
        Object.values(optimizers).forEach((optimizer, index) => {
          optimizer.state = optimizerStates[index] as AdamState;
        });
        random = createRandom(randomState);
        data.restore(dataState);
        tf.dispose(held);
      },
      release() {
        tf.dispose(held);
      },
    };
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
      const results: PhaseValues[] = [];
      const undo = holdStepState();
      let report: StepReport;
      try {
        tf.tidy(() => {
          const batch = drawBatch();
          for (const phase of setup.phases) runPhase(phase, batch, observed, results, stepNumber);
        });
        // The step's one device read: every phase's term values and everything observed.
        const observedKeys = Object.keys(observed);
        const parts = [...results.map((result) => result.values), ...observedKeys.map((key) => observed[key] as tf.Tensor)];
        // Flattened and cast only where needed: each of these is a kernel call in a hot loop.
        const flat = (part: tf.Tensor): tf.Tensor => {
          // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: equivalent: concat upcasts int32 and bool parts beside the float32 values anyway (the cast says so), and a float32 cast of float32 only costs a kernel
          const float = part.dtype === 'float32' ? part : tf.cast(part, 'float32');
          // Stryker disable next-line ConditionalExpression: equivalent: reshaping a rank-1 tensor to [-1] gives the same values, only a kernel more
          return float.rank === 1 ? float : tf.reshape(float, [-1]);
        };
        // Every phase adds its values: there is at least one part.
        // Stryker disable next-line ConditionalExpression: equivalent: a concat of one part is a copy of it, as the clone is
        const joined = tf.tidy(() => (parts.length === 1 ? tf.clone(flat(parts[0] as tf.Tensor)) : tf.concat(parts.map(flat))));
        const read = joined.dataSync();
        joined.dispose();
        const losses: Record<string, number> = {};
        let offset = 0;
        for (const { phase, terms } of results) {
          for (const term of terms) {
            const value = read[offset++] as number;
            if (!Number.isFinite(value)) throw new NonFiniteLossError(stepNumber, phase, term, value);
            losses[`${phase}.${term}`] = value;
          }
        }
        let next = prior;
        if (setup.updatePrior !== undefined) {
          const hosted: Record<string, ObservedValue> = {};
          for (const key of observedKeys) {
            const tensor = observed[key] as tf.Tensor;
            hosted[key] = { shape: [...tensor.shape], values: read.slice(offset, offset + tensor.size) as Float32Array };
            offset += tensor.size;
          }
          next = setup.updatePrior(hosted, prior, stepNumber);
        }
        prior = next;
        report = { step: stepNumber, losses, prior: prior.probabilities(), entropy: prior.entropy() };
      } catch (error) {
        undo.restore();
        throw error;
      } finally {
        tf.dispose([...Object.values(observed), ...results.map((result) => result.values)]);
      }
      undo.release();
      ema?.update(generatorVariables);
      step = stepNumber;
      return report;
    },
    sample(count, sampleOptions = {}) {
      const total = expectNumber('Trainer.sample', 'count', count, { min: 1, integer: true });
      const stream = createRandom(sampleOptions.seed ?? 0x5eed);
      return tf.tidy(() => {
        const latent = sampleOptions.latent;
        if (latent !== undefined) {
          const expected = [total, setup.continuous.dimension];
          if (!(latent instanceof tf.Tensor) || latent.shape.join() !== expected.join()) {
            throw new InvalidArgumentError('Trainer.sample', 'options.latent', `a tensor of shape [${expected.join(', ')}] (count × d_z)`, latent instanceof tf.Tensor ? `shape [${latent.shape.join(', ')}]` : describeValue(latent));
          }
        }
        // z is drawn even when given, so that the categories drawn after it do not depend on it.
        const drawn = setup.continuous.sample(total, stream);
        const z = latent ?? drawn;
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
      // Every check before the first assignment: a snapshot that does not fit leaves the
      // trainer as it was, not half restored.
      const targets: [string, tf.Variable][] = [];
      for (const [name, model] of Object.entries(setup.networks)) trainableVariables(model).forEach((variable, index) => targets.push([`network/${name}/${index}`, variable]));
      for (const [name, optimizer] of Object.entries(optimizers)) {
        optimizer.state.firstMoments.forEach((moment, index) => targets.push([`adam/${name}/m/${index}`, moment]));
        optimizer.state.secondMoments.forEach((moment, index) => targets.push([`adam/${name}/v/${index}`, moment]));
      }
      if ((json.generatorEma === null) !== (ema === undefined)) {
        throw new InvalidArgumentError('Trainer.restore', 'snapshot.json.generatorEma', ema === undefined ? 'null (this trainer has no generator EMA)' : `a decay (this trainer averages with ${ema.decay})`, String(json.generatorEma));
      }
      ema?.shadows.forEach((shadow, index) => targets.push([`ema/${index}`, shadow]));
      for (const [key, into] of targets) {
        const value = tensors[key];
        if (value === undefined) throw new InvalidArgumentError('Trainer.restore', `snapshot.tensors['${key}']`, `a tensor of shape [${into.shape.join(', ')}]`, 'nothing');
        if (value.shape.join() !== into.shape.join()) throw new InvalidArgumentError('Trainer.restore', `snapshot.tensors['${key}']`, `shape [${into.shape.join(', ')}]`, `shape [${value.shape.join(', ')}]`);
      }
      const restoredRandom = createRandom(json.random);
      const restoredPrior = categoricalPriorFromJSON(json.prior, { rules: { [prior.rule.name]: () => prior.rule } });
      if (restoredPrior.categories !== prior.categories) throw new InvalidArgumentError('Trainer.restore', 'snapshot.json.prior.categories', `${prior.categories} (this trainer's categories)`, String(restoredPrior.categories));
      for (const [key, into] of targets) into.assign(tensors[key] as tf.Tensor);
      for (const [name, optimizer] of Object.entries(optimizers)) optimizer.state = { ...optimizer.state, step: json.optimizerSteps[name] ?? 0 };
      random = restoredRandom;
      prior = restoredPrior;
      data.restore(json.data);
      step = json.step;
    },
    plans() {
      const status: Record<string, string> = {};
      for (const phase of setup.phases) {
        for (const name of [phase.name, `${phase.name}/adam`]) {
          const entry = [...(plans.get(name)?.values() ?? [])].at(-1);
          const refusal = refusals.get(name);
          status[name] = entry !== undefined ? (entry.checked ? `replayed (${entry.plan.kernels} kernels)` : `recorded, not yet checked (${entry.plan.kernels} kernels)`) : refusal !== undefined ? `engine: ${refusal}` : 'engine';
        }
      }
      return status;
    },
    dispose() {
      for (const recorded of plans.values()) for (const entry of recorded.values()) entry.plan.dispose();
      plans.clear();
      for (const optimizer of Object.values(optimizers)) disposeAdamState(optimizer.state);
      ema?.dispose();
    },
  };
  return trainer;
}

import * as tf from '@tensorflow/tfjs-core';
import { createRandom, type Random } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  categoricalPrior,
  categoricalPriorFromJSON,
  continuousPriorFromJSON,
  exponentialMovingAverage,
  generatorInput,
  normalPrior,
  oneHotLabels,
  sampleGeneratorInput,
  simpleMovingAverage,
  uniformPrior,
  type CategoricalPrior,
  type CategoricalPriorJSON,
  type CategoricalUpdateRule,
} from './index.js';

/** A deliberately wrong argument, as a user's JavaScript could pass it. */
const bad = (value: unknown): never => value as never;

/** A rule of the caller's own, with parts replaced. */
const rule = (over: Partial<Record<keyof CategoricalUpdateRule, unknown>> = {}): CategoricalUpdateRule =>
  ({ name: 'mine', options: {}, init: (p: readonly number[]) => ({ probabilities: [...p] }), update: (s: unknown) => s, probabilities: (s: { probabilities: number[] }) => s.probabilities, ...over }) as never;

// Every argument check of the package, with the one line a user reads: the function, the
// argument, what was expected and what came (the messages are the interface).
describe('priors: every mistake gets its own line', () => {
  let random: Random;
  let uniform4: CategoricalPrior;
  let json: CategoricalPriorJSON;
  beforeAll(async () => {
    await useBackend('cpu');
    random = createRandom(1);
    uniform4 = categoricalPrior({ categories: 4 });
    json = uniform4.toJSON();
  });

  const cases = (): [string, () => unknown, string][] => [
    ["rule output of the wrong length", (): unknown => categoricalPrior({ categories: 4, rule: rule({ probabilities: () => [0.5, 0.5] }) }), "rule 'mine': probabilities(state) must be an array of 4 numbers, got 2 numbers."],
    ["rule output not an array", (): unknown => categoricalPrior({ categories: 4, rule: rule({ probabilities: () => bad('abc') }) }), "rule 'mine': probabilities(state) must be an array of 4 numbers, got string."],
    ["rule output not probabilities", (): unknown => categoricalPrior({ categories: 2, rule: rule({ probabilities: () => [0.5, 0.7] }) }), "rule 'mine': probabilities(state) must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.2."],
    ["sampleIndices batch 0", (): unknown => uniform4.sampleIndices(0, random), "CategoricalPrior.sampleIndices: batch must be an integer >= 1, got 0."],
    ["sample batch 1.5", (): unknown => uniform4.sample(1.5, random), "CategoricalPrior.sample: batch must be an integer >= 1, got 1.5."],
    ["sample without random", (): unknown => uniform4.sample(2, bad(null)), "CategoricalPrior.sample: random must be a Random from createRandom(seed) (@gantry/backend), got null."],
    ["sampleIndices random {}", (): unknown => uniform4.sampleIndices(2, bad({})), "CategoricalPrior.sampleIndices: random must be a Random from createRandom(seed) (@gantry/backend), got object."],
    ["update with a number", (): unknown => uniform4.update(bad(5)), "CategoricalPrior.update: classifierProbabilities must be a tf.Tensor or an array of rows, got number."],
    ["update with null", (): unknown => uniform4.update(bad(null)), "CategoricalPrior.update: classifierProbabilities must be a tf.Tensor or an array of rows, got null."],
    ["update with a rank-1 tensor", (): unknown => uniform4.update(tf.tensor1d([0.25, 0.25, 0.25, 0.25])), "CategoricalPrior.update: classifierProbabilities must be of shape [batch >= 1, 4] (one row of Q(x) per real sample), got shape [4]."],
    ["update with a [1, 4, 1] tensor", (): unknown => uniform4.update(tf.reshape(tf.tensor2d([[1, 0, 0, 0]]), [1, 4, 1])), "CategoricalPrior.update: classifierProbabilities must be of shape [batch >= 1, 4] (one row of Q(x) per real sample), got shape [1, 4, 1]."],
    ["update with an int32 tensor", (): unknown => uniform4.update(tf.tensor2d([[1, 0, 0, 0]], [1, 4], 'int32')), "CategoricalPrior.update: classifierProbabilities must be a float32 tensor, got dtype int32."],
    ["update with a zero-row tensor", (): unknown => uniform4.update(tf.zeros([0, 4])), "CategoricalPrior.update: classifierProbabilities must be of shape [batch >= 1, 4] (one row of Q(x) per real sample), got shape [0, 4]."],
    ["update with a ragged row", (): unknown => uniform4.update([[0.5, 0.5, 0, 0], [1, 0]]), "CategoricalPrior.update: classifierProbabilities[1] must be an array of 4 probabilities, got 2 values."],
    ["update with a non-probability row", (): unknown => uniform4.update([[0.5, 0.6, 0, 0]]), "CategoricalPrior.update: classifierProbabilities must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.1 in row 0."],
    ["options undefined", (): unknown => categoricalPrior(bad(undefined)), "categoricalPrior: options must be an object, got undefined."],
    ["options null", (): unknown => categoricalPrior(bad(null)), "categoricalPrior: options must be an object, got null."],
    ["options a number", (): unknown => categoricalPrior(bad(4)), "categoricalPrior: options must be an object, got number."],
    ["probabilities []", (): unknown => categoricalPrior({ probabilities: [] }), "categoricalPrior: options.probabilities must be a non-empty array of numbers, got []."],
    ["probabilities a string", (): unknown => categoricalPrior({ probabilities: bad('abc') }), "categoricalPrior: options.probabilities must be a non-empty array of numbers, got string."],
    ["probabilities not summing to 1", (): unknown => categoricalPrior({ probabilities: [0.5, 0.6] }), "categoricalPrior: options.probabilities must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.1."],
    ["categories mismatch", (): unknown => categoricalPrior({ categories: 3, probabilities: [0.5, 0.5] }), "categoricalPrior: options.categories must be 2 (the length of options.probabilities), got 3."],
    ["categories 0", (): unknown => categoricalPrior({ categories: 0 }), "categoricalPrior: options.categories must be an integer >= 1, got 0."],
    ["categories 2.5", (): unknown => categoricalPrior({ categories: 2.5 }), "categoricalPrior: options.categories must be an integer >= 1, got 2.5."],
    ["rule null", (): unknown => categoricalPrior({ categories: 2, rule: bad(null) }), "categoricalPrior: options.rule must be a CategoricalUpdateRule ({ name, options, init, update, probabilities }), got null."],
    ["rule a string", (): unknown => categoricalPrior({ categories: 2, rule: bad('ema') }), "categoricalPrior: options.rule must be a CategoricalUpdateRule ({ name, options, init, update, probabilities }), got string."],
    ["rule without init", (): unknown => categoricalPrior({ categories: 2, rule: rule({ init: bad(undefined) }) }), "categoricalPrior: options.rule must be a CategoricalUpdateRule ({ name, options, init, update, probabilities }), got object."],
    ["rule without update", (): unknown => categoricalPrior({ categories: 2, rule: rule({ update: bad(undefined) }) }), "categoricalPrior: options.rule must be a CategoricalUpdateRule ({ name, options, init, update, probabilities }), got object."],
    ["rule without probabilities", (): unknown => categoricalPrior({ categories: 2, rule: rule({ probabilities: bad(1) }) }), "categoricalPrior: options.rule must be a CategoricalUpdateRule ({ name, options, init, update, probabilities }), got object."],
    ["fromJSON null", (): unknown => categoricalPriorFromJSON(bad(null)), "categoricalPriorFromJSON: json.format must be 'gantry/categorical-prior', got null."],
    ["fromJSON a number", (): unknown => categoricalPriorFromJSON(bad(3)), "categoricalPriorFromJSON: json.format must be 'gantry/categorical-prior', got 3."],
    ["fromJSON wrong format", (): unknown => categoricalPriorFromJSON(bad({ ...json, format: 'other' })), "categoricalPriorFromJSON: json.format must be 'gantry/categorical-prior', got \"other\"."],
    ["fromJSON version 2", (): unknown => categoricalPriorFromJSON(bad({ ...json, version: 2 })), "categoricalPriorFromJSON: json.version must be 1, got 2."],
    ["fromJSON categories 0", (): unknown => categoricalPriorFromJSON({ ...json, categories: 0 }), "categoricalPriorFromJSON: json.categories must be an integer >= 1, got 0."],
    ["fromJSON categories 1.5", (): unknown => categoricalPriorFromJSON({ ...json, categories: 1.5 }), "categoricalPriorFromJSON: json.categories must be an integer >= 1, got 1.5."],
    ["fromJSON no rule", (): unknown => categoricalPriorFromJSON(bad({ ...json, rule: undefined })), "categoricalPriorFromJSON: json.rule.name must be a known rule (fixed, ema, sma; pass options.rules for your own), got undefined."],
    ["fromJSON unknown rule", (): unknown => categoricalPriorFromJSON({ ...json, rule: { name: 'mine', options: {} } }), "categoricalPriorFromJSON: json.rule.name must be a known rule (fixed, ema, sma; pass options.rules for your own), got \"mine\"."],
    ["ema decay 1", (): unknown => exponentialMovingAverage({ decay: 1 }), "exponentialMovingAverage: options.decay must be a finite number in (0, 1), got 1."],
    ["sma window 0", (): unknown => simpleMovingAverage({ window: 0 }), "simpleMovingAverage: options.window must be an integer >= 1, got 0."],
    ["sma window 2.5", (): unknown => simpleMovingAverage({ window: 2.5 }), "simpleMovingAverage: options.window must be an integer >= 1, got 2.5."],
    ["normalPrior dimension 0", (): unknown => normalPrior(0), "normalPrior: dimension must be an integer >= 1, got 0."],
    ["normalPrior dimension 1.5", (): unknown => normalPrior(1.5), "normalPrior: dimension must be an integer >= 1, got 1.5."],
    ["normalPrior mean NaN", (): unknown => normalPrior(2, { mean: Number.NaN }), "normalPrior: options.mean must be a finite number, got NaN."],
    ["normalPrior std 0", (): unknown => normalPrior(2, { std: 0 }), "normalPrior: options.std must be a finite number > 0, got 0."],
    ["normalPrior sample batch 0", (): unknown => normalPrior(2).sample(0, random), "normalPrior.sample: batch must be an integer >= 1, got 0."],
    ["normalPrior sample random null", (): unknown => normalPrior(2).sample(2, bad(null)), "normalPrior.sample: random must be a Random from createRandom(seed) (@gantry/backend), got null."],
    ["normalPrior sample random {normal: 5}", (): unknown => normalPrior(2).sample(2, bad({ normal: 5 })), "normalPrior.sample: random must be a Random from createRandom(seed) (@gantry/backend), got object."],
    ["uniformPrior dimension 0", (): unknown => uniformPrior(0), "uniformPrior: dimension must be an integer >= 1, got 0."],
    ["uniformPrior min NaN", (): unknown => uniformPrior(2, { min: Number.NaN }), "uniformPrior: options.min must be a finite number, got NaN."],
    ["uniformPrior max = min", (): unknown => uniformPrior(2, { min: 1, max: 1 }), "uniformPrior: options.max must be a finite number > 1, got 1."],
    ["uniformPrior sample batch -1", (): unknown => uniformPrior(2).sample(-1, random), "uniformPrior.sample: batch must be an integer >= 1, got -1."],
    ["uniformPrior sample random 7", (): unknown => uniformPrior(2).sample(2, bad(7)), "uniformPrior.sample: random must be a Random from createRandom(seed) (@gantry/backend), got number."],
    ["continuousPriorFromJSON null", (): unknown => continuousPriorFromJSON(bad(null)), "continuousPriorFromJSON: json must be an object, got null."],
    ["continuousPriorFromJSON a string", (): unknown => continuousPriorFromJSON(bad('normal')), "continuousPriorFromJSON: json must be an object, got string."],
    ["continuousPriorFromJSON kind", (): unknown => continuousPriorFromJSON(bad({ kind: 'cauchy', dimension: 2 })), "continuousPriorFromJSON: json.kind must be 'normal' or 'uniform', got \"cauchy\"."],
    ["generatorInput z rank 1", (): unknown => generatorInput(tf.zeros([3]), tf.zeros([3, 2])), "generatorInput: z must be of rank 2, got shape [3] (rank 1)."],
    ["generatorInput c rows", (): unknown => generatorInput(tf.zeros([3, 4]), tf.zeros([2, 2])), "generatorInput: c must be of shape [3, *] (one row per row of z), got shape [2, 2]."],
    ["generatorInput centered 1 category", (): unknown => generatorInput(tf.zeros([3, 4]), tf.ones([3, 1]), { labelEncoding: 'centered' }), "generatorInput: c must be at least 2 categories for the 'centered' encoding, got shape [3, 1]."],
    ["generatorInput encoding", (): unknown => generatorInput(tf.zeros([3, 4]), tf.ones([3, 2]), { labelEncoding: bad('hot') }), "generatorInput: options.labelEncoding must be 'one-hot' or 'centered', got \"hot\"."],
    ["sampleGeneratorInput batch 0", (): unknown => sampleGeneratorInput(normalPrior(2), uniform4, 0, random), "sampleGeneratorInput: batch must be an integer >= 1, got 0."],
    ["sampleGeneratorInput continuous null", (): unknown => sampleGeneratorInput(bad(null), uniform4, 2, random), "sampleGeneratorInput: continuous must be a ContinuousPrior, got null."],
    ["sampleGeneratorInput continuous {}", (): unknown => sampleGeneratorInput(bad({}), uniform4, 2, random), "sampleGeneratorInput: continuous must be a ContinuousPrior, got object."],
    ["sampleGeneratorInput categorical undefined", (): unknown => sampleGeneratorInput(normalPrior(2), bad(undefined), 2, random), "sampleGeneratorInput: categorical must be a CategoricalPrior, got undefined."],
    ["oneHotLabels categories 0", (): unknown => oneHotLabels([0], 0), "oneHotLabels: categories must be an integer >= 1, got 0."],
    ["oneHotLabels categories 1.5", (): unknown => oneHotLabels([0], 1.5), "oneHotLabels: categories must be an integer >= 1, got 1.5."],
    ["oneHotLabels indices []", (): unknown => oneHotLabels([], 3), "oneHotLabels: indices must be a non-empty array of category indices, got []."],
    ["oneHotLabels indices a string", (): unknown => oneHotLabels(bad('012'), 3), "oneHotLabels: indices must be a non-empty array of category indices, got string."],
    ["oneHotLabels index 3 of 3", (): unknown => oneHotLabels([0, 3], 3), "oneHotLabels: indices[1] must be an integer in [0, 2], got 3."],
    ["oneHotLabels index -1", (): unknown => oneHotLabels([-1], 3), "oneHotLabels: indices[0] must be an integer in [0, 2], got -1."],
    ["oneHotLabels index 0.5", (): unknown => oneHotLabels([1, 0.5], 3), "oneHotLabels: indices[1] must be an integer in [0, 2], got 0.5."],
  ];

  it('names the argument, the expected and the actual value, for each of the package\'s checks', () => {
    for (const [name, thunk, message] of cases()) expect(invalidArgumentMessage(thunk), name).toBe(message);
  });
});

describe('priors: edge values the other tests do not reach', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('a prior of one category draws it every time (one-hot rows [n, 1], indices 0)', () => {
    const one = categoricalPrior({ categories: 1 });
    const random = createRandom(3);
    const [rows, indices] = tf.tidy(() => [one.sample(5, random), one.sampleIndices(4, random)].map((tensor) => tf.keep(tensor)));
    expect(rows?.shape).toEqual([5, 1]);
    expect(Array.from(rows?.dataSync() ?? [])).toEqual([1, 1, 1, 1, 1]);
    expect(indices?.dtype).toBe('int32');
    expect(Array.from(indices?.dataSync() ?? [])).toEqual([0, 0, 0, 0]);
    tf.dispose([rows, indices] as tf.Tensor[]);
  });

  it('categories equal to the probabilities\' length are accepted, and the start is kept', () => {
    expect(categoricalPrior({ categories: 4, probabilities: [0.1, 0.4, 0.2, 0.3] }).probabilities()).toEqual([0.1, 0.4, 0.2, 0.3]);
  });

  it('the simple moving average counts its updates', () => {
    let prior = categoricalPrior({ categories: 2, rule: simpleMovingAverage({ window: 2 }) });
    for (let i = 0; i < 3; i++) prior = prior.update([[1, 0]]);
    expect(prior.state.updates).toBe(3);
    expect((prior.state.history as number[][]).length).toBe(2);
    let ema = categoricalPrior({ categories: 2, rule: exponentialMovingAverage({ decay: 0.5 }) });
    for (let i = 0; i < 3; i++) ema = ema.update([[1, 0]]);
    expect(ema.state.updates).toBe(3);
  });

  it('a rule\'s state may hold null and strings, and is frozen all the way down', () => {
    const noting = rule({ init: (p: readonly number[]) => ({ probabilities: [...p], note: 'started', last: null, nested: { list: [1, 2] } }) });
    const prior = categoricalPrior({ categories: 2, rule: noting });
    expect(prior.state.note).toBe('started');
    expect(prior.state.last).toBeNull();
    expect(Object.isFrozen(prior.state)).toBe(true);
    expect(Object.isFrozen((prior.state.nested as { list: number[] }).list)).toBe(true);
  });

  it('continuous priors say their kind', () => {
    expect(normalPrior(3).kind).toBe('normal');
    expect(uniformPrior(3).kind).toBe('uniform');
  });

  it("the 'centered' encoding takes two categories: (c·2 − 1)/√1 = ±1", () => {
    const input = tf.tidy(() => generatorInput(tf.zeros([2, 1]), tf.tensor2d([[1, 0], [0, 1]]), { labelEncoding: 'centered' }));
    expect(Array.from(input.dataSync())).toEqual([0, 1, -1, 0, -1, 1]);
    input.dispose();
  });
});


describe('oneHotLabels at its smallest', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('takes a single category', () => {
    const labels = oneHotLabels([0, 0], 1);
    expect(labels.shape).toEqual([2, 1]);
    expect(Array.from(labels.dataSync())).toEqual([1, 1]);
    labels.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  categoricalPrior,
  categoricalPriorFromJSON,
  exponentialMovingAverage,
  fixedRule,
  simpleMovingAverage,
  type CategoricalPrior,
  type CategoricalUpdateRule,
} from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

const PAPER = [0.1, 0.4, 0.2, 0.3];
// −Σ p ln p = −(0.1 ln 0.1 + 0.4 ln 0.4 + 0.2 ln 0.2 + 0.3 ln 0.3) = 0.230259 + 0.366516 + 0.321888 + 0.361192
const PAPER_ENTROPY = 1.279854;

/** Ten classifier outputs concentrated on the first four of 8 categories, in the proportions 1:4:2:3. */
function concentratedBatch(): number[][] {
  const rows: number[][] = [];
  [1, 4, 2, 3].forEach((count, category) => {
    for (let i = 0; i < count; i++) rows.push(Array.from({ length: 8 }, (_, k) => (k === category ? 1 : 0)));
  });
  return rows;
}

describe('categorical priors: values', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('starts uniform, or at the given probabilities; entropy in nats', () => {
    const uniform = categoricalPrior({ categories: 8 });
    expect(uniform.probabilities()).toEqual(new Array(8).fill(0.125));
    expect(uniform.entropy()).toBeCloseTo(Math.log(8), 12); // ln 8 = 2.079442
    const paper = categoricalPrior({ probabilities: PAPER });
    expect(paper.categories).toBe(4);
    expect(paper.entropy()).toBeCloseTo(PAPER_ENTROPY, 6);
    // 0 ln 0 = 0: [0.5, 0.5, 0] has entropy ln 2.
    expect(categoricalPrior({ probabilities: [0.5, 0.5, 0] }).entropy()).toBeCloseTo(Math.log(2), 12);
  });

  it('the EMA (decay 0.999) started uniform over 8 converges to [0.1, 0.4, 0.2, 0.3, 0, 0, 0, 0], its entropy falling', () => {
    let prior = categoricalPrior({ categories: 8, rule: exponentialMovingAverage() });
    const batch = tf.tensor2d(concentratedBatch());
    const target = [...PAPER, 0, 0, 0, 0];
    const entropies = [prior.entropy()];
    for (let step = 1; step <= 8000; step++) {
      prior = prior.update(batch);
      if (step % 1000 === 0) entropies.push(prior.entropy());
      if (step === 1) {
        // One update by hand: 0.999·0.125 + 0.001·0.4 = 0.125275 for category 1, 0.999·0.125 = 0.124875 for category 7.
        expect(prior.probabilities()[1]).toBeCloseTo(0.125275, 15);
        expect(prior.probabilities()[7]).toBeCloseTo(0.124875, 15);
      }
    }
    // Closed form p_n = t + 0.999ⁿ(1/8 − t): after 8000 updates the error is 0.999^8000·0.275 = 9.2e-5.
    prior.probabilities().forEach((p, k) => {
      const t = target[k] as number;
      expect(Math.abs(p - t)).toBeLessThan(1e-3);
      expect(p).toBeCloseTo(t + 0.999 ** 8000 * (0.125 - t), 12);
    });
    expect(prior.state.updates).toBe(8000);
    // ln 8 = 2.0794 falls monotonically towards H([0.1, 0.4, 0.2, 0.3]) = 1.2799.
    for (let i = 1; i < entropies.length; i++) expect(entropies[i] as number).toBeLessThan(entropies[i - 1] as number);
    expect(Math.abs(prior.entropy() - PAPER_ENTROPY)).toBeLessThan(2e-3);
    batch.dispose();
  });

  it('the simple moving average is the mean of the last `window` batch means', () => {
    let prior = categoricalPrior({ categories: 2, rule: simpleMovingAverage({ window: 2 }) });
    expect(prior.probabilities()).toEqual([0.5, 0.5]);
    prior = prior.update([[1, 0]]); // mean of {[1, 0]}
    expect(prior.probabilities()).toEqual([1, 0]);
    prior = prior.update([
      [0, 1],
      [0.5, 0.5],
    ]); // batch mean [0.25, 0.75]; mean of {[1, 0], [0.25, 0.75]} = [0.625, 0.375]
    expect(prior.probabilities()).toEqual([0.625, 0.375]);
    prior = prior.update([[0, 1]]); // window 2: mean of {[0.25, 0.75], [0, 1]} = [0.125, 0.875]
    expect(prior.probabilities()).toEqual([0.125, 0.875]);
  });

  it('a fixed prior does not move, but still checks what it is given', () => {
    const prior = categoricalPrior({ probabilities: PAPER, rule: fixedRule() });
    expect(prior.update([[1, 0, 0, 0]]).probabilities()).toEqual(PAPER);
    expect(invalidArgumentMessage(() => prior.update([[1, 0, 0]]))).toBe('CategoricalPrior.update: classifierProbabilities[0] must be an array of 4 probabilities, got 3 values.');
  });

  it('is immutable: update returns a new prior, and state cannot be changed in place', () => {
    const prior = categoricalPrior({ categories: 2, rule: exponentialMovingAverage({ decay: 0.9 }) });
    const next = prior.update([[1, 0]]);
    // 0.9·0.5 + 0.1·1 = 0.55
    expect(next.probabilities()[0]).toBeCloseTo(0.55, 15);
    expect(prior.probabilities()).toEqual([0.5, 0.5]);
    expect(() => {
      (prior.state.probabilities as number[])[0] = 1;
    }).toThrow(TypeError);
    const copy = prior.probabilities() as number[];
    copy[0] = 1;
    expect(prior.probabilities()).toEqual([0.5, 0.5]);
  });
});

describe.each(TESTED_BACKENDS)('categorical priors: sampling on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('one-hot rows whose frequencies match the probabilities (100,000 draws, within 0.01); zero-probability categories never drawn', () => {
    const prior = categoricalPrior({ probabilities: [0, 0.1, 0.4, 0, 0.2, 0.3, 0] });
    const draws = prior.sample(100_000, createRandom(5));
    expect(draws.shape).toEqual([100_000, 7]);
    expect(draws.dtype).toBe('float32');
    const rowSums = tf.sum(draws, -1);
    expect(tf.min(rowSums).dataSync()[0]).toBe(1);
    expect(tf.max(rowSums).dataSync()[0]).toBe(1);
    const frequencies = Array.from(tf.mean(draws, 0).dataSync());
    expect(frequencies[0]).toBe(0);
    expect(frequencies[3]).toBe(0);
    expect(frequencies[6]).toBe(0);
    [0, 0.1, 0.4, 0, 0.2, 0.3, 0].forEach((p, k) => expect(Math.abs((frequencies[k] as number) - p)).toBeLessThan(0.01));
    tf.dispose([draws, rowSums]);
  });

  it('one seed draws the same categories on cpu and wasm', async () => {
    const prior = categoricalPrior({ probabilities: PAPER });
    const here = prior.sampleIndices(2000, createRandom(77));
    const values = Array.from(here.dataSync());
    await useBackend(backend === 'cpu' ? 'wasm' : 'cpu');
    const there = prior.sampleIndices(2000, createRandom(77));
    expect(Array.from(there.dataSync())).toEqual(values);
    await useBackend(backend);
    tf.dispose([here, there]);
  });

  it('leaves no tensor behind (100 samples and updates)', () => {
    let prior = categoricalPrior({ categories: 4, rule: exponentialMovingAverage() });
    const random = createRandom(1);
    const q = tf.softmax(tf.tensor2d([1, 2, 3, 4, 0, 0, 0, 1], [2, 4]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      prior.sample(8, random).dispose();
      prior.sampleIndices(8, random).dispose();
      prior = prior.update(q);
    }
    expect(tf.memory().numTensors).toBe(before);
    q.dispose();
  });
});

describe('categorical priors: checkpoints', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  // A different observation each update: a rule that lost its history on restore (an SMA
  // window refilled with the latest value, say) then resumes to other numbers.
  const OBSERVATIONS = [
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.2, 0.6],
    [0.5, 0.4, 0.1],
    [0.05, 0.05, 0.9],
  ];
  function afterUpdates(prior: CategoricalPrior, count: number, offset = 0): CategoricalPrior {
    let current = prior;
    for (let i = 0; i < count; i++) current = current.update([OBSERVATIONS[(offset + i) % OBSERVATIONS.length] as number[]]);
    return current;
  }

  it.each([
    ['fixed', fixedRule()],
    ['ema', exponentialMovingAverage({ decay: 0.99 })],
    ['sma', simpleMovingAverage({ window: 3 })],
  ] as const)('%s: toJSON → JSON text → fromJSON resumes exactly', (_name, rule) => {
    const prior = afterUpdates(categoricalPrior({ categories: 3, rule }), 5);
    const restored = categoricalPriorFromJSON(JSON.parse(JSON.stringify(prior.toJSON())));
    expect(restored.probabilities()).toEqual(prior.probabilities());
    expect(afterUpdates(restored, 7, 5).probabilities()).toEqual(afterUpdates(prior, 7, 5).probabilities());
    // And after each further update the resumed sequence is the uninterrupted one's (the
    // first updates are where a lost history would show: later ones push it out of the window).
    for (let more = 1; more <= 4; more++) expect(afterUpdates(restored, more, 5).probabilities()).toEqual(afterUpdates(categoricalPrior({ categories: 3, rule }), 5 + more).probabilities());
    const a = prior.sampleIndices(50, createRandom(3));
    const b = restored.sampleIndices(50, createRandom(3));
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
  });

  it('a rule of your own: used, saved, and found again through options.rules', () => {
    // "Sharpen": move halfway to the observation, then square and renormalise.
    const sharpen = (strength: number): CategoricalUpdateRule => ({
      name: 'sharpen',
      options: { strength },
      init: (probabilities) => ({ probabilities: [...probabilities] }),
      update: (state, observed) => {
        const mixed = (state.probabilities as number[]).map((p, k) => (p + (observed[k] as number)) / 2);
        const powered = mixed.map((p) => p ** strength);
        const total = powered.reduce((a, b) => a + b, 0);
        return { probabilities: powered.map((p) => p / total) };
      },
      probabilities: (state) => state.probabilities as number[],
    });
    // From [0.5, 0.5] observing [1, 0]: mixed [0.75, 0.25], squared [0.5625, 0.0625], normalised [0.9, 0.1].
    const prior = categoricalPrior({ categories: 2, rule: sharpen(2) }).update([[1, 0]]);
    expect(prior.probabilities()[0]).toBeCloseTo(0.9, 15);
    const json = JSON.parse(JSON.stringify(prior.toJSON()));
    expect(invalidArgumentMessage(() => categoricalPriorFromJSON(json))).toBe(
      'categoricalPriorFromJSON: json.rule.name must be a known rule (fixed, ema, sma; pass options.rules for your own), got "sharpen".',
    );
    const restored = categoricalPriorFromJSON(json, { rules: { sharpen: (options) => sharpen(options.strength as number) } });
    expect(restored.probabilities()).toEqual(prior.probabilities());
  });
});

describe('categorical priors: bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('an EMA prior never absorbs a NaN: it throws, and the last good prior is unchanged', () => {
    const prior = categoricalPrior({ categories: 4, rule: exponentialMovingAverage() }).update([[0.1, 0.2, 0.3, 0.4]]);
    const good = prior.toJSON();
    const nan = tf.tensor2d([
      [0.25, 0.25, 0.25, 0.25],
      [Number.NaN, 0.5, 0.25, 0.25],
    ]);
    expect(invalidArgumentMessage(() => prior.update(nan))).toBe(
      'CategoricalPrior.update: classifierProbabilities must be probabilities (finite, >= 0, rows summing to 1), got NaN at position 0 in row 1.',
    );
    expect(prior.toJSON()).toEqual(good);
    nan.dispose();
  });

  it('names the argument, the expected and the actual shape or value', () => {
    const prior = categoricalPrior({ categories: 8, rule: exponentialMovingAverage() });
    const narrow = tf.fill([32, 4], 0.25);
    const logits = tf.tensor2d([[2, -1, 0.5, 0, 0, 0, 0, 0]]);
    const ints = tf.zeros([1, 8], 'int32');
    expect(invalidArgumentMessage(() => prior.update(narrow))).toBe(
      'CategoricalPrior.update: classifierProbabilities must be of shape [batch >= 1, 8] (one row of Q(x) per real sample), got shape [32, 4].',
    );
    expect(invalidArgumentMessage(() => prior.update(logits))).toBe(
      'CategoricalPrior.update: classifierProbabilities must be probabilities (finite, >= 0, rows summing to 1), got -1 at position 1 in row 0.',
    );
    expect(invalidArgumentMessage(() => prior.update(ints))).toBe('CategoricalPrior.update: classifierProbabilities must be a float32 tensor, got dtype int32.');
    expect(invalidArgumentMessage(() => prior.update([]))).toBe(
      'CategoricalPrior.update: classifierProbabilities must be of shape [batch >= 1, 8] (one row of Q(x) per real sample), got shape [0, 8].',
    );
    expect(invalidArgumentMessage(() => categoricalPrior({ probabilities: [0.5, 0.6] }))).toBe(
      'categoricalPrior: options.probabilities must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.1.',
    );
    expect(invalidArgumentMessage(() => categoricalPrior({ probabilities: [1.5, -0.5] }))).toBe(
      'categoricalPrior: options.probabilities must be probabilities (finite, >= 0, rows summing to 1), got -0.5 at position 1.',
    );
    expect(() => categoricalPrior({ probabilities: [0.5, 0.5 + 5e-6] })).not.toThrow();
    expect(invalidArgumentMessage(() => categoricalPrior({ categories: 3, probabilities: PAPER }))).toBe('categoricalPrior: options.categories must be 4 (the length of options.probabilities), got 3.');
    expect(invalidArgumentMessage(() => categoricalPrior({}))).toBe('categoricalPrior: options.categories must be an integer >= 1, got undefined.');
    for (const decay of [0, 1, 1.5, -0.1, Number.NaN]) {
      expect(invalidArgumentMessage(() => exponentialMovingAverage({ decay }))).toBe(`exponentialMovingAverage: options.decay must be a finite number in (0, 1), got ${decay}.`);
    }
    expect(invalidArgumentMessage(() => simpleMovingAverage({ window: 0 }))).toBe('simpleMovingAverage: options.window must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => categoricalPriorFromJSON({ format: 'other' } as never))).toBe(`categoricalPriorFromJSON: json.format must be 'gantry/categorical-prior', got "other".`);
    tf.dispose([narrow, logits, ints]);
  });

  it('a rule of your own that produces something other than probabilities is caught, naming the rule', () => {
    const broken: CategoricalUpdateRule = {
      name: 'broken',
      options: {},
      init: (probabilities) => ({ probabilities: [...probabilities] }),
      update: (state) => ({ probabilities: (state.probabilities as number[]).map((p) => p * 2) }),
      probabilities: (state) => state.probabilities as number[],
    };
    const prior = categoricalPrior({ categories: 2, rule: broken });
    expect(invalidArgumentMessage(() => prior.update([[1, 0]]))).toBe("rule 'broken': probabilities(state) must be probabilities summing to 1 (tolerance 0.00001), got a sum of 2.");
  });
});

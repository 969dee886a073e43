import * as tf from '@tensorflow/tfjs-core';
import { setValueChecks } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { trainableVariables } from '@gantry/models';
import { categoricalPrior, type CategoricalUpdateRule } from '@gantry/priors';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, dueTerms, mixtureSource, type DataSource, type Phase, type RecipeSetup, type Trainer, type TrainerOptions } from './index.js';
import { sameBits } from './trainer.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

// The trainer's options and the less travelled paths of a step: per-network optimizers,
// phases sharing a network, weights changed during a run, recipes without a prior update or
// with several observed values, the memo, and restores that need the recipe's own rule.

function make(setup: RecipeSetup, extra: Partial<TrainerOptions> = {}): Trainer {
  return createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 5, ...extra });
}

function dispose(trainer: Trainer): void {
  trainer.dispose();
  for (const model of Object.values(trainer.setup.networks)) model.dispose();
}

function weightsOf(trainer: Trainer, network: string): Float32Array[] {
  return trainableVariables(trainer.setup.networks[network] as Parameters<typeof trainableVariables>[0]).map((variable) => Float32Array.from(variable.dataSync()));
}

function largestChange(before: Float32Array[], after: Float32Array[]): number {
  return Math.max(...before.flatMap((values, i) => Array.from(values, (value, j) => Math.abs(value - (after[i]?.[j] as number)))));
}

describe('createTrainer options', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('gives each network the optimizer options named for it, and the defaults to the others', () => {
    const trainer = make(tinyRecipe(5), { optimizer: { generator: { learningRate: 1e-9 } } });
    const generator = weightsOf(trainer, 'generator');
    const discriminator = weightsOf(trainer, 'discriminator');
    trainer.trainStep();
    expect(largestChange(generator, weightsOf(trainer, 'generator'))).toBeLessThan(1e-7);
    expect(largestChange(discriminator, weightsOf(trainer, 'discriminator'))).toBeGreaterThan(1e-4);
    dispose(trainer);
    // One set of options for every network.
    const slow = make(tinyRecipe(5), { optimizer: { learningRate: 1e-9 } });
    const before = weightsOf(slow, 'discriminator');
    slow.trainStep();
    expect(largestChange(before, weightsOf(slow, 'discriminator'))).toBeLessThan(1e-7);
    dispose(slow);
  });

  it('two phases on one network share one Adam, and disposing the trainer frees it', () => {
    const setup = tinyRecipe(6);
    const discriminatorPhase = setup.phases[0] as Phase;
    const { observe, ...unobserved } = discriminatorPhase;
    void observe;
    const twice: RecipeSetup = { ...setup, phases: [discriminatorPhase, { ...unobserved, name: 'again' }, ...setup.phases.slice(1)] };
    const withNetworks = tf.memory().numTensors;
    const trainer = make(twice);
    trainer.trainStep();
    const afterOne = tf.memory().numTensors;
    trainer.trainStep();
    expect(tf.memory().numTensors).toBe(afterOne);
    const snapshot = trainer.snapshot();
    expect(snapshot.json.optimizerSteps).toEqual({ discriminator: 4, generator: 2 });
    tf.dispose(snapshot.tensors);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(withNetworks);
    for (const model of Object.values(setup.networks)) model.dispose();
  });

  it('two phases observing the same key in one step is an error, and the step is undone', () => {
    const setup = tinyRecipe(6);
    const discriminatorPhase = setup.phases[0] as Phase;
    const trainer = make({ ...setup, phases: [discriminatorPhase, { ...discriminatorPhase, name: 'again' }, ...setup.phases.slice(1)] });
    const before = tf.memory().numTensors;
    expect(invalidArgumentMessage(() => trainer.trainStep())).toBe("Trainer.trainStep: phase again.observe must be keys no earlier phase of the step observed, got 'q' again.");
    expect(trainer.step).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    dispose(trainer);
  });

  it('a weight changed during a run takes effect at the next step, with plans re-recorded for it', () => {
    setValueChecks(false);
    try {
      const setup = tinyRecipe(7);
      const keyed: RecipeSetup = { ...setup, phases: setup.phases.map((phase) => ({ ...phase, planKey: () => 'fixed' })) };
      const trainer = make(keyed, { plan: true });
      for (let i = 0; i < 3; i++) trainer.trainStep();
      expect(trainer.plans().discriminator).toMatch(/^replayed/);
      (trainer.weights.discriminator as Record<string, number>).creg = 0;
      const report = trainer.trainStep();
      expect(Object.keys(report.losses)).not.toContain('discriminator.creg');
      expect(trainer.plans().discriminator).toMatch(/^recorded, not yet checked \(\d+ kernels\)$/);
      (trainer.weights.discriminator as Record<string, number>).r1 = 2;
      trainer.trainStep();
      expect(trainer.plans().discriminator).toMatch(/^recorded, not yet checked/);
      trainer.trainStep();
      expect(trainer.plans().discriminator).toMatch(/^replayed/);
      dispose(trainer);
    } finally {
      setValueChecks(true);
    }
  });

  it('phases without a plan key stay on the engine with plan: true, and a phase that reads values is refused with its reason', () => {
    setValueChecks(false);
    try {
      const trainer = make(tinyRecipe(8), { plan: true });
      for (let i = 0; i < 3; i++) trainer.trainStep();
      expect(trainer.plans().discriminator).toBe('engine');
      expect(trainer.plans()['discriminator/adam']).toMatch(/^replayed/);
      dispose(trainer);
    } finally {
      setValueChecks(true);
    }
    // With value checks on, a keyed phase reads its values while it runs: refused, and it trains on.
    const setup = tinyRecipe(8);
    const trainer = make({ ...setup, phases: setup.phases.map((phase) => ({ ...phase, planKey: () => 'fixed' })) }, { plan: true });
    for (let i = 0; i < 3; i++) trainer.trainStep();
    expect(trainer.plans().discriminator).toBe('engine: the function reads tensor values while it runs (turn value checks off with setValueChecks(false))');
    expect(trainer.step).toBe(3);
    dispose(trainer);
  });

  it('dueTerms: a term with interval k is due at the multiples of k, weighed ×k; weight 0 is never due', () => {
    expect(dueTerms({ adversarial: 1, r1: 10, creg: 0 }, { r1: 4, creg: 4 }, 8)).toEqual({ adversarial: 1, r1: 40 });
    expect(dueTerms({ adversarial: 1, r1: 10 }, { r1: 4 }, 9)).toEqual({ adversarial: 1 });
    expect(dueTerms({ adversarial: 1, r1: 10 }, { r1: 4 }, 4)).toEqual({ adversarial: 1, r1: 40 });
    expect(dueTerms({ adversarial: 2 }, undefined, 3)).toEqual({ adversarial: 2 });
  });

  it('a lazy term (Phase.intervals) is the same update as its weight ×k at the multiples of k and 0 between, with or without plans', () => {
    setValueChecks(false);
    try {
      const lazy = (setup: RecipeSetup): RecipeSetup => ({ ...setup, phases: setup.phases.map((phase) => (phase.name === 'discriminator' ? { ...phase, intervals: { r1: 2, creg: 2 }, planKey: () => 'fixed' } : phase)) });
      const byHand = make(tinyRecipe(12));
      const weights = byHand.weights.discriminator as Record<string, number>;
      const lazyTrainer = make(lazy(tinyRecipe(12)));
      const planned = make(lazy(tinyRecipe(12)), { plan: true });
      for (let step = 1; step <= 6; step++) {
        weights.r1 = step % 2 === 0 ? 2 : 0;
        weights.creg = step % 2 === 0 ? 1 : 0;
        const expected = byHand.trainStep();
        const before = tf.memory().numTensors;
        const report = lazyTrainer.trainStep();
        if (step > 2) expect(tf.memory().numTensors).toBe(before);
        planned.trainStep();
        expect(Object.keys(report.losses).sort()).toEqual(Object.keys(expected.losses).sort());
        expect(Object.keys(report.losses).includes('discriminator.r1')).toBe(step % 2 === 0);
        for (const [name, value] of Object.entries(expected.losses)) expect(report.losses[name]).toBe(value);
      }
      expect(planned.plans().discriminator).toMatch(/^replayed/);
      for (const network of ['discriminator', 'generator']) {
        const reference = weightsOf(byHand, network);
        expect(largestChange(reference, weightsOf(lazyTrainer, network))).toBe(0);
        expect(largestChange(reference, weightsOf(planned, network))).toBe(0);
      }
      for (const trainer of [byHand, lazyTrainer, planned]) dispose(trainer);
    } finally {
      setValueChecks(true);
    }
  });

  it('refuses an interval that is not a positive integer or names no term of its phase', () => {
    const withIntervals = (intervals: Record<string, number>): RecipeSetup => {
      const setup = tinyRecipe(13);
      return { ...setup, phases: setup.phases.map((phase) => (phase.name === 'discriminator' ? { ...phase, intervals } : phase)) };
    };
    for (const [intervals, pattern] of [
      [{ r1: 0 }, /phase discriminator\.intervals\.r1.*got 0/],
      [{ r1: 2.5 }, /phase discriminator\.intervals\.r1.*integer.*got 2\.5/],
      [{ r2: 4 }, /phase discriminator\.intervals\.r2.*a term of phase discriminator \(adversarial, cls, creg, r1\).*an unknown term/],
    ] as const) {
      const setup = withIntervals(intervals);
      expect(invalidArgumentMessage(() => make(setup))).toMatch(pattern);
      for (const model of Object.values(setup.networks)) model.dispose();
    }
  });

  it('a phase whose terms all weigh 0 computes nothing and leaves its network alone', () => {
    const trainer = make(tinyRecipe(9), { weights: { generator: { adversarial: 0 } } });
    const generator = weightsOf(trainer, 'generator');
    const report = trainer.trainStep();
    expect(Object.keys(report.losses).filter((name) => name.startsWith('generator.'))).toEqual([]);
    expect(largestChange(generator, weightsOf(trainer, 'generator'))).toBe(0);
    const snapshot = trainer.snapshot();
    expect(snapshot.json.optimizerSteps).toEqual({ discriminator: 1, generator: 0 });
    tf.dispose(snapshot.tensors);
    dispose(trainer);
  });

  it('a recipe without a prior update keeps P(C); the observed values reach updatePrior with their shapes, as float32, in order', () => {
    const setup = tinyRecipe(10);
    const { updatePrior, ...withoutUpdate } = setup;
    void updatePrior;
    const fixed = make(withoutUpdate);
    expect(fixed.trainStep().prior).toEqual([1 / 3, 1 / 3, 1 / 3]);
    dispose(fixed);

    const seen: Record<string, { shape: number[]; values: number[] }>[] = [];
    const observing = tinyRecipe(10);
    const phases = observing.phases.map((phase, index) =>
      index === 0
        ? { ...phase, observe: () => ({ grid: tf.tensor2d([[1, 2, 3], [4, 5, 6]]), counts: tf.tensor1d([7, 8], 'int32'), flag: tf.scalar(1, 'bool') }) }
        : { ...phase, observe: () => ({ last: tf.tensor1d([9.5]) }) },
    );
    const trainer = make({
      ...observing,
      phases,
      updatePrior: (observed, prior) => {
        seen.push(Object.fromEntries(Object.entries(observed).map(([key, value]) => [key, { shape: [...value.shape], values: Array.from(value.values) }])));
        expect(Object.values(observed).every((value) => value.values instanceof Float32Array)).toBe(true);
        return prior;
      },
    });
    trainer.trainStep();
    expect(seen).toEqual([{ grid: { shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }, counts: { shape: [2], values: [7, 8] }, flag: { shape: [], values: [1] }, last: { shape: [1], values: [9.5] } }]);
    dispose(trainer);
  });

  it('memo computes each key once per phase', () => {
    const setup = tinyRecipe(11);
    let computed = 0;
    const phases = setup.phases.map((phase) =>
      phase.name !== 'generator'
        ? phase
        : {
            ...phase,
            terms: {
              ...phase.terms,
              extra: (context: Parameters<NonNullable<Phase['terms'][string]>>[0]) => {
                const value = (): tf.Scalar => context.memo('shared', () => {
                  computed += 1;
                  return tf.scalar(0.5);
                });
                return tf.add(value(), value()) as tf.Scalar;
              },
            },
            weights: { ...phase.weights, extra: 1 },
          },
    );
    const trainer = make({ ...setup, phases });
    expect(trainer.trainStep().losses['generator.extra']).toBe(1);
    expect(computed).toBe(1);
    dispose(trainer);
  });

  it('restores Adam’s first moments (β1 > 0) and a prior whose rule only the recipe knows', () => {
    const halfway: CategoricalUpdateRule = {
      name: 'halfway',
      options: {},
      init: (probabilities) => ({ p: [...probabilities] }),
      update: (state, observed) => ({ p: (state.p as number[]).map((value, k) => (value + (observed[k] as number)) / 2) }),
      probabilities: (state) => state.p as number[],
    };
    const recipe = (): RecipeSetup => ({ ...tinyRecipe(12), categorical: categoricalPrior({ categories: 3, rule: halfway }) });
    const options = { optimizer: { beta1: 0.5 } };
    const straight = make(recipe(), options);
    for (let i = 0; i < 6; i++) straight.trainStep();
    const first = make(recipe(), options);
    for (let i = 0; i < 3; i++) first.trainStep();
    const snapshot = first.snapshot();
    const resumed = make(recipe(), options);
    resumed.restore({ json: JSON.parse(JSON.stringify(snapshot.json)) as typeof snapshot.json, tensors: snapshot.tensors });
    tf.dispose(snapshot.tensors);
    for (let i = 0; i < 3; i++) resumed.trainStep();
    for (const network of ['discriminator', 'generator']) expect(weightsOf(resumed, network)).toEqual(weightsOf(straight, network));
    expect(resumed.prior.rule.name).toBe('halfway');
    expect(resumed.prior.probabilities()).toEqual(straight.prior.probabilities());
    for (const trainer of [straight, first, resumed]) dispose(trainer);
  });

  it('a source with classes but no labels gives the phases no real labels', () => {
    const mixture = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
    const unlabelled: DataSource = { ...mixture, next: (batchSize, random) => ({ x: mixture.next(batchSize, random).x, labels: undefined }) };
    const setup = tinyRecipe(13);
    let seen: unknown = 'not called';
    const phases = setup.phases.map((phase) => ({
      ...phase,
      observe: (context: Parameters<NonNullable<Phase['observe']>>[0]) => {
        seen = context.batch.realLabels;
        return phase.observe?.(context) ?? {};
      },
    }));
    const trainer = createTrainer({ setup: { ...setup, phases }, data: unlabelled, batchSize: 8, seed: 13 });
    trainer.trainStep();
    expect(seen).toBeUndefined();
    dispose(trainer);
  });
});

describe('sameBits (the check of a plan against the real computation)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('compares dtype, shape and every byte: NaN equals the same NaN, and -0 is not 0', () => {
    const cases: [tf.Tensor, tf.Tensor, boolean][] = [
      [tf.tensor([1, Number.NaN]), tf.tensor([1, Number.NaN]), true],
      [tf.tensor([0]), tf.tensor([-0]), false],
      [tf.zeros([2], 'float32'), tf.zeros([2], 'int32'), false],
      [tf.zeros([2, 3]), tf.zeros([3, 2]), false],
      [tf.zeros([6]), tf.zeros([2, 3]), false],
      [tf.tensor([1, 2]), tf.tensor([1, 2.5]), false],
    ];
    for (const [a, b, same] of cases) expect(sameBits(a, b), `${a.toString()} against ${b.toString()}`).toBe(same);
    tf.dispose(cases.flatMap(([a, b]) => [a, b]));
  });
});

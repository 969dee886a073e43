import * as tf from '@tensorflow/tfjs-core';
import { gaussianMixture, inMemoryDataset, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { trainableVariables } from '@gantry/models';
import { categoricalPrior, exponentialMovingAverage } from '@gantry/priors';
import { createRandom, setValueChecks, valueChecksEnabled } from '@gantry/backend';
import { countDeviceReads, invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, datasetSource, mixtureSource, NonFiniteLossError, stepIndependent, type DataSource, type Phase, type RecipeSetup, type Term, type TermContext, type Trainer, type TrainerSnapshot } from './index.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

function weightsOf(trainer: Trainer): number[][] {
  return Object.values(trainer.setup.networks).flatMap((model) => trainableVariables(model).map((variable) => Array.from(variable.dataSync())));
}

function tinyTrainer(seed = 3, extra: Partial<Parameters<typeof createTrainer>[0]> = {}): Trainer {
  return createTrainer({ setup: tinyRecipe(seed), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 16, seed, ...extra });
}

function dispose(trainer: Trainer): void {
  trainer.dispose();
  for (const model of Object.values(trainer.setup.networks)) model.dispose();
}

describe('createTrainer on cpu', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reports every active term and moves the prior', () => {
    const trainer = tinyTrainer();
    const report = trainer.trainStep();
    expect(report.step).toBe(1);
    expect(Object.keys(report.losses).sort()).toEqual(['discriminator.adversarial', 'discriminator.cls', 'discriminator.creg', 'discriminator.r1', 'generator.adversarial']);
    expect(Object.values(report.losses).every(Number.isFinite)).toBe(true);
    expect(report.prior).not.toEqual([1 / 3, 1 / 3, 1 / 3]);
    // Float32 softmax rows sum to 1 within ~1e-7, so P(C) does too.
    expect(report.prior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    dispose(trainer);
  });

  it('a weight override of 0 removes the term from the step; unknown names are rejected', () => {
    const trainer = tinyTrainer(3, { weights: { discriminator: { creg: 0 } } });
    expect(Object.keys(trainer.trainStep().losses)).not.toContain('discriminator.creg');
    dispose(trainer);
    expect(invalidArgumentMessage(() => tinyTrainer(3, { weights: { discriminator: { cerg: 1 } } }))).toBe(
      'createTrainer: options.weights.discriminator.cerg must be a term of phase discriminator (adversarial, cls, creg, r1), got an unknown term.',
    );
  });

  it('resumes exactly: 200 steps straight equal 100 steps, a snapshot, a fresh trainer restored, 100 more', () => {
    const straight = tinyTrainer(5, { generatorEma: 0.9 });
    for (let i = 0; i < 200; i++) straight.trainStep();
    const first = tinyTrainer(5, { generatorEma: 0.9 });
    for (let i = 0; i < 100; i++) first.trainStep();
    const snapshot = first.snapshot();
    const json = JSON.parse(JSON.stringify(snapshot.json)) as typeof snapshot.json;
    dispose(first);
    const resumed = tinyTrainer(5, { generatorEma: 0.9 });
    resumed.restore({ json, tensors: snapshot.tensors });
    tf.dispose(snapshot.tensors);
    expect(resumed.step).toBe(100);
    for (let i = 0; i < 100; i++) resumed.trainStep();
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    expect(resumed.prior.probabilities()).toEqual(straight.prior.probabilities());
    const emaOf = (trainer: Trainer): number[][] => (trainer.generatorEma?.shadows ?? []).map((shadow) => Array.from(shadow.dataSync()));
    expect(emaOf(resumed)).toEqual(emaOf(straight));
    dispose(straight);
    dispose(resumed);
  });

  it('a snapshot that does not fit is refused before anything is assigned: the trainer continues as it was', () => {
    const source = tinyTrainer(6, { generatorEma: 0.9 });
    for (let i = 0; i < 3; i++) source.trainStep();
    const snapshot = source.snapshot();
    const target = tinyTrainer(5, { generatorEma: 0.9 });
    const untouched = tinyTrainer(5, { generatorEma: 0.9 });
    const lastEma = `ema/${(target.generatorEma?.shadows.length ?? 0) - 1}`;
    const broken: Record<string, () => TrainerSnapshot> = {
      'the last EMA tensor missing': () => ({ json: snapshot.json, tensors: Object.fromEntries(Object.entries(snapshot.tensors).filter(([key]) => key !== lastEma)) }),
      'no EMA': () => ({ json: { ...snapshot.json, generatorEma: null }, tensors: snapshot.tensors }),
      'a prior of another size': () => ({ json: { ...snapshot.json, prior: categoricalPrior({ categories: 2, rule: exponentialMovingAverage({ decay: 0.9 }) }).toJSON() }, tensors: snapshot.tensors }),
      'a broken random state': () => ({ json: { ...snapshot.json, random: 'seed' as unknown as TrainerSnapshot['json']['random'] }, tensors: snapshot.tensors }),
    };
    for (const [name, make] of Object.entries(broken)) expect(() => target.restore(make()), name).toThrow();
    tf.dispose(snapshot.tensors);
    expect(target.step).toBe(0);
    for (let i = 0; i < 3; i++) {
      target.trainStep();
      untouched.trainStep();
    }
    expect(weightsOf(target)).toEqual(weightsOf(untouched));
    expect(target.prior.probabilities()).toEqual(untouched.prior.probabilities());
    dispose(source);
    dispose(target);
    dispose(untouched);
  });

  it('resumes exactly from a dataset source: the data position comes back with the snapshot (points, across an epoch boundary)', () => {
    const points = createRandom(12).normal([40, 2]);
    const dataset = inMemoryDataset({ values: points.dataSync(), sampleShape: [2] });
    points.dispose();
    // 40 points in batches of 8: an epoch is 5 steps, so step 7 is inside the second epoch.
    const make = (): Trainer => createTrainer({ setup: tinyRecipe(5), data: datasetSource(dataset, { seed: 9 }), batchSize: 8, seed: 5, generatorEma: 0.9 });
    const straight = make();
    for (let i = 0; i < 14; i++) straight.trainStep();
    const first = make();
    for (let i = 0; i < 7; i++) first.trainStep();
    const snapshot = first.snapshot();
    expect(snapshot.json.data).toMatchObject({ format: 'gantry/batch-sampler', epoch: 1, batch: 2 });
    const resumed = make();
    resumed.restore(snapshot);
    tf.dispose(Object.values(snapshot.tensors));
    for (let i = 0; i < 7; i++) resumed.trainStep();
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    expect(resumed.prior.probabilities()).toEqual(straight.prior.probabilities());
    for (const trainer of [straight, first, resumed]) dispose(trainer);
  });

  it('stops on a NaN term, naming it and the step, before applying the bad gradient', () => {
    const counter = { value: 0 };
    const trainer = createTrainer({ setup: tinyRecipe(2, { poison: { atStep: 4, counter } }), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 2 });
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const before = weightsOf(trainer);
    const prior = trainer.prior.probabilities();
    let caught: unknown;
    try {
      trainer.trainStep();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonFiniteLossError);
    expect((caught as NonFiniteLossError).message).toBe(
      'Loss term discriminator.creg is NaN at step 4; training stopped before applying it (the last checkpoint is intact).',
    );
    expect([(caught as NonFiniteLossError).step, (caught as NonFiniteLossError).term]).toEqual([4, 'creg']);
    expect(trainer.step).toBe(3);
    expect(weightsOf(trainer)).toEqual(before);
    expect(trainer.prior.probabilities()).toEqual(prior);
    dispose(trainer);
  });

  it.each([false, true])('a NaN in the last phase undoes the whole step: weights, Adam state, EMA, P(C), random stream, data position (plan: %s)', (plan) => {
    const points = createRandom(11).normal([64, 2]);
    const dataset = inMemoryDataset({ values: points.dataSync(), sampleShape: [2] });
    points.dispose();
    const make = (poison?: { atStep: number; counter: { value: number }; phase: 'generator' }): Trainer =>
      createTrainer({ setup: tinyRecipe(2, poison === undefined ? {} : { poison }), data: datasetSource(dataset, { seed: 5 }), batchSize: 8, seed: 2, generatorEma: 0.9, plan });
    const trainer = make({ atStep: 4, counter: { value: 0 }, phase: 'generator' });
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const before = trainer.snapshot();
    expect(() => trainer.trainStep()).toThrow('Loss term generator.adversarial is NaN at step 4; training stopped before applying it (the last checkpoint is intact).');
    const after = trainer.snapshot();
    expect(after.json).toEqual(before.json);
    expect(Object.keys(after.tensors)).toEqual(Object.keys(before.tensors));
    for (const [key, tensor] of Object.entries(before.tensors)) expect([key, Array.from((after.tensors[key] as tf.Tensor).dataSync())]).toEqual([key, Array.from(tensor.dataSync())]);
    tf.dispose([...Object.values(before.tensors), ...Object.values(after.tensors)]);
    // The step taken again (the poison fires once) is the step a clean trainer takes.
    const clean = make();
    for (let i = 0; i < 4; i++) clean.trainStep();
    trainer.trainStep();
    expect(weightsOf(trainer)).toEqual(weightsOf(clean));
    expect(trainer.prior.probabilities()).toEqual(clean.prior.probabilities());
    dispose(trainer);
    dispose(clean);
  });

  it.each([false, true])('reads the device once per step: all term values, Q(x_real) and the mixture’s labels together (plan: %s)', (plan) => {
    const checks = valueChecksEnabled();
    setValueChecks(false);
    const trainer = tinyTrainer(4, { plan, generatorEma: 0.9 });
    // The first steps record the plans and check each against the engine, reading both.
    for (let i = 0; i < 3; i++) trainer.trainStep();
    let reads: number;
    try {
      reads = countDeviceReads(() => {
        for (let i = 0; i < 5; i++) trainer.trainStep();
      });
    } finally {
      setValueChecks(checks);
    }
    expect(reads).toBe(5);
    dispose(trainer);
  });

  // 1,000 steps: 12 s alone, 77 s beside the other packages' tests on 2 cores.
  it('leaks no tensor: the count at step 1000 equals the count at step 100', () => {
    const trainer = tinyTrainer(7, { generatorEma: 0.99 });
    for (let i = 0; i < 100; i++) trainer.trainStep();
    const atHundred = tf.memory().numTensors;
    for (let i = 100; i < 1000; i++) trainer.trainStep();
    expect(tf.memory().numTensors).toBe(atHundred);
    const samples = trainer.sample(10);
    samples.x.dispose();
    expect(tf.memory().numTensors).toBe(atHundred);
    dispose(trainer);
  }, 300_000);

  it('creating and disposing a trainer (Adam moments, EMA) leaves only the networks’ own variables', () => {
    const setup = tinyRecipe(9);
    const withNetworks = tf.memory().numTensors;
    const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 9, generatorEma: 0.9 });
    trainer.trainStep();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(withNetworks);
    Object.values(setup.networks).forEach((model) => model.dispose());
  });

  it('samples chosen categories, with the averaged generator weights when an EMA is on', () => {
    const trainer = tinyTrainer(8, { generatorEma: 0.5 });
    for (let i = 0; i < 5; i++) trainer.trainStep();
    const averaged = trainer.sample(4, { categories: [0, 1, 2, 0] });
    const trained = trainer.sample(4, { categories: [0, 1, 2, 0], useEma: false });
    expect(Array.from(averaged.categories)).toEqual([0, 1, 2, 0]);
    expect(averaged.x.shape).toEqual([4, 2]);
    expect(Array.from(averaged.x.dataSync())).not.toEqual(Array.from(trained.x.dataSync()));
    tf.dispose([averaged.x, trained.x]);
    dispose(trainer);
  });

  it('samples from a given z: the same rows whatever the seed, and a z of the wrong shape refused', () => {
    const trainer = tinyTrainer(8);
    trainer.trainStep();
    const z = tf.randomNormal([3, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
    const a = trainer.sample(3, { categories: [0, 1, 2], latent: z, seed: 1 });
    const b = trainer.sample(3, { categories: [0, 1, 2], latent: z, seed: 2 });
    const drawn = trainer.sample(3, { categories: [0, 1, 2], seed: 1 });
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    expect(Array.from(a.x.dataSync())).not.toEqual(Array.from(drawn.x.dataSync()));
    expect(() => trainer.sample(2, { latent: z })).toThrow('Trainer.sample: options.latent must be a tensor of shape [2, 4] (count × d_z), got shape [3, 4].');
    tf.dispose([z, a.x, b.x, drawn.x]);
    dispose(trainer);
  });

  it('samples from P(C) with a seeded stream of its own: the same seed gives the same samples, another seed others', () => {
    // P(C) all on category 1: drawn categories must all be 1, and the samples those of c = 1.
    const setup = { ...tinyRecipe(8), categorical: categoricalPrior({ probabilities: [0, 1, 0] }) };
    const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 8 });
    trainer.trainStep();
    const drawn = trainer.sample(5);
    const again = trainer.sample(5);
    const chosen = trainer.sample(5, { categories: [1, 1, 1, 1, 1] });
    const otherSeed = trainer.sample(5, { seed: 7 });
    expect(Array.from(drawn.categories)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(again.x.dataSync())).toEqual(Array.from(drawn.x.dataSync()));
    // z is drawn first from the sampling stream, so chosen categories equal to the drawn ones give the same points.
    expect(Array.from(chosen.x.dataSync())).toEqual(Array.from(drawn.x.dataSync()));
    expect(Array.from(otherSeed.x.dataSync())).not.toEqual(Array.from(drawn.x.dataSync()));
    // Sampling leaves the training stream alone: the next step is the one an unsampled trainer takes.
    const twin = createTrainer({ setup: { ...tinyRecipe(8), categorical: categoricalPrior({ probabilities: [0, 1, 0] }) }, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 8 });
    twin.trainStep();
    expect(trainer.trainStep().losses).toEqual(twin.trainStep().losses);
    tf.dispose([drawn.x, again.x, chosen.x, otherSeed.x]);
    dispose(trainer);
    dispose(twin);
  });

  it('gives the phases the real labels as one-hot rows, from host or device labels, and none for unlabelled data', () => {
    const labels = Int32Array.from([2, 0, 1, 2]);
    const source = (onDevice: boolean, classes: number | undefined): DataSource => ({
      name: 'labelled',
      sampleShape: [2],
      classes,
      next: (batchSize) => ({ x: tf.zeros([batchSize, 2]), labels: onDevice ? tf.tensor1d(labels, 'int32') : labels }),
      state: () => null,
      restore: () => undefined,
    });
    const seen = (data: DataSource): (number[] | null)[] => {
      const setup = tinyRecipe(4);
      const rows: (number[] | null)[] = [];
      const phases = setup.phases.map((phase) => ({
        ...phase,
        observe: (context: TermContext) => {
          const real = context.batch.realLabels;
          rows.push(real === undefined ? null : [...real.shape, ...Array.from(real.dataSync())]);
          return phase.observe?.(context) ?? {};
        },
      }));
      const trainer = createTrainer({ setup: { ...setup, phases }, data, batchSize: 4, seed: 4 });
      trainer.trainStep();
      dispose(trainer);
      return rows;
    };
    const oneHot = [4, 3, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(seen(source(false, 3))).toEqual([oneHot, oneHot]);
    expect(seen(source(true, 3))).toEqual([oneHot, oneHot]);
    expect(seen(source(true, undefined))).toEqual([null, null]);
  });

  describe('with plan: true (recorded kernel plans)', () => {
    // Value checks read tensors inside the phases, which no plan can replay.
    beforeAll(() => {
      setValueChecks(false);
    });
    afterAll(() => {
      setValueChecks(true);
    });

    /**
     * tinyRecipe with a step-dependent factor on the discriminator's cls term: 1 for steps
     * 1-4, 1 + step/10 for steps 5-6, 2 after, declared by `planKey`; or (`lying`) a factor
     * 1 + step/100 that the key hides.
     */
    function scheduled(seed: number, lying = false): RecipeSetup {
      const setup = tinyRecipe(seed);
      const factor = (step: number): number => (lying ? 1 + step / 100 : step <= 4 ? 1 : step <= 6 ? 1 + step / 10 : 2);
      const phases: Phase[] = setup.phases.map((phase) => {
        if (phase.name !== 'discriminator') return { ...phase, planKey: stepIndependent };
        const cls = phase.terms.cls as Term;
        return {
          ...phase,
          terms: { ...phase.terms, cls: (context) => tf.mul(cls(context), factor(context.step)) },
          planKey: lying ? stepIndependent : (step: number) => (step <= 4 ? 'one' : step <= 6 ? null : 'two'),
        };
      });
      return { ...setup, phases };
    }
    const train = (setup: RecipeSetup, plan: boolean, steps: number, data: DataSource = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE))): Trainer => {
      const trainer = createTrainer({ setup, data, batchSize: 8, seed: 5, generatorEma: 0.9, plan });
      for (let i = 0; i < steps; i++) trainer.trainStep();
      return trainer;
    };

    it('trains bit for bit as the engine does, across a change of key and steps computed on their own', () => {
      const engine = train(scheduled(4), false, 12);
      const planned = train(scheduled(4), true, 12);
      expect(weightsOf(planned)).toEqual(weightsOf(engine));
      expect(planned.prior.probabilities()).toEqual(engine.prior.probabilities());
      expect(planned.plans()).toEqual({
        discriminator: expect.stringMatching(/^replayed \(\d+ kernels\)$/) as unknown,
        'discriminator/adam': expect.stringMatching(/^replayed/) as unknown,
        generator: expect.stringMatching(/^replayed/) as unknown,
        'generator/adam': expect.stringMatching(/^replayed/) as unknown,
      });
      expect(engine.plans().discriminator).toBe('engine');
      dispose(engine);
      dispose(planned);
    });

    // The check compares one replay with the real computation: it catches a dependence that
    // shows between the recording and the next step, not one that shows only later.
    it('a phase whose key hides a dependence on the step is caught by the check and left on the engine', () => {
      const engine = train(scheduled(6, true), false, 8);
      const planned = train(scheduled(6, true), true, 8);
      expect(weightsOf(planned)).toEqual(weightsOf(engine));
      expect(planned.plans().discriminator).toBe('engine: at step 2 its replay differed from the real computation');
      dispose(engine);
      dispose(planned);
    });

    it('a NaN from a replayed phase stops the step before any update', () => {
      const mixture = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
      let draws = 0;
      const poisoned: DataSource = { ...mixture, next: (batchSize, random) => {
        const batch = mixture.next(batchSize, random);
        draws += 1;
        return draws === 6 ? { ...batch, x: tf.mul(batch.x, Number.NaN) } : batch;
      } };
      const trainer = train(scheduled(3), true, 5, poisoned);
      expect(trainer.plans().discriminator).toMatch(/^replayed/);
      const before = weightsOf(trainer);
      expect(() => trainer.trainStep()).toThrow(NonFiniteLossError);
      expect(trainer.step).toBe(5);
      expect(weightsOf(trainer)).toEqual(before);
      dispose(trainer);
    });

    it('leaks no tensor, and dispose frees the plans', () => {
      const setup = scheduled(8);
      const withNetworks = tf.memory().numTensors;
      const dataIds = tf.backend().numDataIds();
      const trainer = train(setup, true, 20);
      expect(Object.values(trainer.plans()).every((status) => status.startsWith('replayed'))).toBe(true);
      const atTwenty = tf.memory().numTensors;
      for (let i = 0; i < 40; i++) trainer.trainStep();
      expect(tf.memory().numTensors).toBe(atTwenty);
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(withNetworks);
      expect(tf.backend().numDataIds()).toBe(dataIds);
      Object.values(setup.networks).forEach((model) => model.dispose());
    });
  });
});

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRandom, setValueChecks, valueChecksEnabled } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gaussianMixture, inMemoryDataset, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { parameterCount, trainableVariables } from '@gantry/models';
import { createTrainer, datasetSource, mixtureSource, type Phase, type RecipeSetup, type StepBatch, type Term, type TermContext, type Trainer } from '@gantry/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { recentreStrength, vcagan, type VcaganOptions } from './index.js';

const TINY = { units: 8, layers: 2, categories: 3, latentDim: 4 } as const;

function disposeSetup(setup: RecipeSetup): void {
  Object.values(setup.networks).forEach((model) => model.dispose());
}

function network(setup: RecipeSetup, name: string): tfl.LayersModel {
  const model = setup.networks[name];
  if (model === undefined) throw new Error(`no network ${name}`);
  return model;
}

/** A context as the trainer builds it, for calling a recipe's terms directly. */
function contextFor(setup: RecipeSetup, batch: StepBatch, step: number): TermContext {
  const cache = new Map<string, unknown>();
  return {
    step,
    batch,
    networks: setup.networks,
    memo: <T>(key: string, compute: () => T): T => {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}

function termsOf(setup: RecipeSetup): Record<string, Term> {
  return Object.assign({}, ...setup.phases.filter((phase) => phase.name !== 'generator').map((phase) => phase.terms)) as Record<string, Term>;
}

/** The quantities of Algorithm 1, computed here from the networks' raw outputs in float64, without @gantry/losses. */
function independentTerms(setup: RecipeSetup, real: number[][], c: number[], generatorInput: tf.Tensor2D, options: { readonly recentre: boolean | number }) {
  const separate = 'classifier' in setup.networks;
  const D = network(setup, 'discriminator');
  const run = (x: number[][]): { adversarial: number[][]; logits: number[][] } =>
    tf.tidy(() => {
      const input = tf.tensor2d(x);
      if (separate) return { adversarial: (D.apply(input) as tf.Tensor).arraySync() as number[][], logits: (network(setup, 'classifier').apply(input) as tf.Tensor).arraySync() as number[][] };
      const [adversarial, logits] = D.apply(input) as tf.Tensor[];
      return { adversarial: adversarial?.arraySync() as number[][], logits: logits?.arraySync() as number[][] };
    });
  const softmax = (logits: number[]): number[] => {
    const top = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - top));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };
  const argmax = (row: number[]): number => row.reduce((best, value, k) => (value > (row[best] as number) ? k : best), 0);
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const softplus = (v: number): number => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
  const fake = tf.tidy(() => (network(setup, 'generator').apply(generatorInput) as tf.Tensor).arraySync() as number[][]);
  const onReal = run(real);
  const onFake = run(fake);
  const probabilities = onReal.logits.map(softmax);
  const width = probabilities[0]?.length ?? 0;
  const columnMeans = Array.from({ length: width }, (_, k) => mean(probabilities.map((row) => row[k] as number)));
  const rawLabels = probabilities.map(argmax);
  // The strength of the re-centring: true is 1, false is 0 (the plain argmax).
  const strength = options.recentre === true ? 1 : options.recentre === false ? 0 : options.recentre;
  const virtual = strength > 0 ? probabilities.map((row) => argmax(row.map((p, k) => p - strength * (columnMeans[k] as number) + 1 / width))) : rawLabels;
  // E_i ||∇x f_i||² by central differences, one axis at a time (the networks treat samples independently).
  const squaredSlope = (x: number[][], f: (outputs: { adversarial: number[][]; logits: number[][] }, i: number) => number): number => {
    const h = 1e-3;
    const squares = new Array<number>(x.length).fill(0);
    for (let axis = 0; axis < (x[0]?.length ?? 0); axis++) {
      const shifted = (by: number) => run(x.map((row) => row.map((v, j) => (j === axis ? v + by : v))));
      const [plus, minus] = [shifted(h), shifted(-h)];
      x.forEach((_, i) => {
        squares[i] = (squares[i] as number) + ((f(plus, i) - f(minus, i)) / (2 * h)) ** 2;
      });
    }
    return mean(squares);
  };
  return {
    virtual,
    rawLabels,
    adversarial: mean(real.map((_, i) => softplus(-(onReal.adversarial[i]?.[virtual[i] as number] as number)))) + mean(c.map((k, i) => softplus(onFake.adversarial[i]?.[k] as number))),
    cls: mean(c.map((k, i) => -Math.log(softmax(onFake.logits[i] as number[])[k] as number))),
    creg: squaredSlope(real, (out, i) => softmax(out.logits[i] as number[])[virtual[i] as number] as number),
    r1: squaredSlope(real, (out, i) => out.adversarial[i]?.[virtual[i] as number] as number),
    r2: squaredSlope(fake, (out, i) => out.adversarial[i]?.[c[i] as number] as number),
    cregFake: squaredSlope(fake, (out, i) => (1 - (softmax(out.logits[i] as number[])[c[i] as number] as number)) ** 2),
    generator: mean(c.map((k, i) => softplus(-(onFake.adversarial[i]?.[k] as number)))),
  };
}

/** Builds a tiny VCAGAN and a batch of 6 with codes c that differ from the virtual labels. */
function tinyCase(options: VcaganOptions, dataSeed = 3) {
  const setup = vcagan.build({ sampleShape: [2], classes: undefined }, { ...TINY, ...options }, 2);
  const random = createRandom(dataSeed);
  const real = tf.tidy(() => tf.mul(random.normal([6, 2]), 2).arraySync() as number[][]);
  const c = [0, 1, 2, 2, 1, 0];
  const z = random.normal([6, 4]) as tf.Tensor2D;
  const cTensor = tf.tensor2d(c.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))));
  const batch: StepBatch = { real: tf.tensor2d(real), realLabels: undefined, z, c: cTensor, generatorInput: tf.concat([z, cTensor], 1) as tf.Tensor2D };
  return { setup, real, c, batch, dispose: () => (tf.dispose([batch.real, z, cTensor, batch.generatorInput]), disposeSetup(setup)) };
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-6);
}

describe('the VCAGAN recipe', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is Algorithm 1 by default: D* trains on adversarial + cls + creg + r1, G on the adversarial term alone (Eq. 8)', () => {
    const setup = vcagan.build({ sampleShape: [2], classes: undefined }, { lambdaCreg: 0.1 }, 1);
    expect(setup.phases.map((phase) => [phase.name, phase.network, phase.weights])).toEqual([
      ['discriminator', 'discriminator', { adversarial: 1, cls: 1, creg: 0.1, cregFake: 0, r1: 1, r2: 0 }],
      ['generator', 'generator', { adversarial: 1 }],
    ]);
    // The paper's sizes for points: d_z = 16, d_c = 8, 4 × 512 MLPs; P(C) starts uniform, EMA 0.999.
    expect(setup.continuous.dimension).toBe(16);
    expect(setup.categorical.categories).toBe(8);
    expect(setup.categorical.rule.options).toEqual({ decay: 0.999 });
    expect(parameterCount(network(setup, 'discriminator'))).toBe(797_712);
    expect(parameterCount(network(setup, 'generator'))).toBe(801_794);
    disposeSetup(setup);
    const images = vcagan.build({ sampleShape: [28, 28, 1], classes: 10 }, {}, 1);
    expect([images.continuous.dimension, images.categorical.categories]).toEqual([128, 16]);
    disposeSetup(images);
  });

  it('with a separate classifier, D, Q and G are three networks trained in three phases', () => {
    const setup = vcagan.build({ sampleShape: [2], classes: undefined }, { ...TINY, classifier: 'separate', lambdaCreg: 0, lambdaCregFake: 0.1, lambdaR1: 0, lambdaR2: 1 }, 1);
    expect(Object.keys(setup.networks)).toEqual(['discriminator', 'classifier', 'generator']);
    expect(setup.phases.map((phase) => [phase.name, phase.network, phase.weights])).toEqual([
      ['discriminator', 'discriminator', { adversarial: 1, r1: 0, r2: 1 }],
      ['classifier', 'classifier', { cls: 1, creg: 0, cregFake: 0.1 }],
      ['generator', 'generator', { adversarial: 1 }],
    ]);
    // D has only the adversarial head: 2·8+8 + 8·8+8 + 8·3+3.
    expect(parameterCount(network(setup, 'discriminator'))).toBe(123);
    disposeSetup(setup);
  });

  it.each(['integrated', 'separate'] as const)('every term has the value of Algorithm 1, computed independently (%s classifier)', (classifier) => {
    const { setup, real, c, batch, dispose } = tinyCase({ classifier });
    const expected = independentTerms(setup, real, c, batch.generatorInput, { recentre: false });
    // The codes must differ from the virtual labels, or a recipe that used c on real data would pass.
    expect(expected.virtual).not.toEqual(c);
    const context = contextFor(setup, batch, 1);
    const terms = termsOf(setup);
    const generatorPhase = setup.phases.find((phase) => phase.name === 'generator') as Phase;
    tf.tidy(() => {
      const value = (name: string): number => ((terms[name] as Term)(context).dataSync()[0] as number);
      expect(value('adversarial')).toBeCloseTo(expected.adversarial, 5);
      expect(value('cls')).toBeCloseTo(expected.cls, 5);
      for (const name of ['creg', 'r1', 'r2', 'cregFake'] as const) expect(relative(value(name), expected[name]), name).toBeLessThan(1e-2);
      expect((generatorPhase.terms.adversarial as Term)(contextFor(setup, batch, 1)).dataSync()[0]).toBeCloseTo(expected.generator, 5);
      // The prior update is fed Q(x_real).
      const observedBy = setup.phases.find((phase) => phase.observe !== undefined) as Phase;
      const observed = (observedBy.observe as NonNullable<Phase['observe']>)(contextFor(setup, batch, 1));
      const q = (observed.realProbabilities as tf.Tensor).arraySync() as number[][];
      expect(q.map((row) => row.indexOf(Math.max(...row)))).toEqual(expected.virtual);
    });
    dispose();
  });

  it('warm-up: re-centred virtual labels and a frozen P(C) for steps 1..W, the paper’s from W + 1', () => {
    const { setup, real, c, batch, dispose } = tinyCase({ warmupSteps: 3, recentre: true });
    const recentred = independentTerms(setup, real, c, batch.generatorInput, { recentre: true });
    const plain = independentTerms(setup, real, c, batch.generatorInput, { recentre: false });
    // Re-centring must change some label here, or the test could not see it.
    expect(recentred.virtual).not.toEqual(recentred.rawLabels);
    const terms = termsOf(setup);
    tf.tidy(() => {
      const at = (step: number, name: string): number => ((terms[name] as Term)(contextFor(setup, batch, step)).dataSync()[0] as number);
      expect(at(3, 'adversarial')).toBeCloseTo(recentred.adversarial, 5);
      expect(relative(at(3, 'r1'), recentred.r1)).toBeLessThan(1e-2);
      expect(relative(at(3, 'creg'), recentred.creg)).toBeLessThan(1e-2);
      expect(at(4, 'adversarial')).toBeCloseTo(plain.adversarial, 5);
      expect(relative(at(4, 'r1'), plain.r1)).toBeLessThan(1e-2);
    });
    const q = { shape: [2, 3], values: Float32Array.from([0.7, 0.2, 0.1, 0.6, 0.3, 0.1]) };
    const update = setup.updatePrior as NonNullable<RecipeSetup['updatePrior']>;
    expect(update({ realProbabilities: q }, setup.categorical, 3)).toBe(setup.categorical);
    // After the warm-up, the paper's EMA: p ← 0.999 p + 0.001 mean Q.
    const moved = update({ realProbabilities: q }, setup.categorical, 4).probabilities();
    [0.65, 0.25, 0.1].forEach((observed, k) => expect(moved[k]).toBeCloseTo(0.999 / 3 + 0.001 * observed, 9));
    dispose();
  });

  it('recentreAnnealSteps fades the re-centring out linearly after the warm-up', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((step) => recentreStrength(step, 2, 4))).toEqual([1, 1, 0.75, 0.5, 0.25, 0, 0]);
    expect([2, 3].map((step) => recentreStrength(step, 2, 0))).toEqual([1, 0]);
    // Data seed 5: strengths 0, 0.5 and 1 give three different labellings of this batch.
    const { setup, real, c, batch, dispose } = tinyCase({ warmupSteps: 2, recentre: true, recentreAnnealSteps: 4 }, 5);
    const [full, half, plain] = [1, 0.5, 0].map((strength) => independentTerms(setup, real, c, batch.generatorInput, { recentre: strength }));
    // Half strength must label this batch differently from both ends, or the test could not tell.
    expect(half?.virtual).not.toEqual(full?.virtual);
    expect(half?.virtual).not.toEqual(plain?.virtual);
    const terms = termsOf(setup);
    tf.tidy(() => {
      const at = (step: number): number => ((terms.adversarial as Term)(contextFor(setup, batch, step)).dataSync()[0] as number);
      expect(at(2)).toBeCloseTo(full?.adversarial as number, 5);
      expect(at(4)).toBeCloseTo(half?.adversarial as number, 5);
      expect(at(6)).toBeCloseTo(plain?.adversarial as number, 5);
    });
    dispose();
    expect(() => vcagan.build({ sampleShape: [2], classes: undefined }, { ...TINY, recentreAnnealSteps: 5 }, 1)).toThrow(
      'vcagan.build: options.recentreAnnealSteps must be 0 unless options.recentre is true (it fades the re-centring out), got 5.',
    );
  });

  it('resumes exactly across the end of the warm-up: 6 steps straight equal 2, a snapshot, a fresh trainer, 4 more', () => {
    const options: VcaganOptions = { ...TINY, lambdaCreg: 0.1, warmupSteps: 3, recentre: true };
    const fresh = (): Trainer =>
      createTrainer({ setup: vcagan.build({ sampleShape: [2], classes: undefined }, options, 4), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 4 });
    const state = (trainer: Trainer) => ({
      prior: trainer.prior.probabilities(),
      weights: Object.values(trainer.setup.networks).flatMap((model) => trainableVariables(model).map((variable) => Array.from(variable.dataSync()))),
    });
    const end = (trainer: Trainer): void => {
      trainer.dispose();
      disposeSetup(trainer.setup);
    };
    const straight = fresh();
    const priors: number[][] = [];
    for (let i = 0; i < 6; i++) priors.push([...straight.trainStep().prior]);
    // The schedule is real: P(C) is uniform through step 3 and moves at step 4.
    expect(priors[2]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(priors[3]).not.toEqual([1 / 3, 1 / 3, 1 / 3]);
    const first = fresh();
    first.trainStep();
    first.trainStep();
    const snapshot = first.snapshot();
    const json = JSON.parse(JSON.stringify(snapshot.json)) as typeof snapshot.json;
    end(first);
    const resumed = fresh();
    resumed.restore({ json, tensors: snapshot.tensors });
    tf.dispose(snapshot.tensors);
    for (let i = 0; i < 4; i++) resumed.trainStep();
    expect(state(resumed)).toEqual(state(straight));
    end(straight);
    end(resumed);
  });

  it('with plan: true trains bit for bit as the engine does, through the warm-up, the fade-out and after', () => {
    const valueChecks = valueChecksEnabled();
    setValueChecks(false);
    for (const classifier of ['integrated', 'separate'] as const) {
      const options: VcaganOptions = { ...TINY, lambdaCreg: 0.1, warmupSteps: 3, recentre: true, recentreAnnealSteps: 3, classifier };
      const run = (plan: boolean): Trainer => {
        const trainer = createTrainer({ setup: vcagan.build({ sampleShape: [2], classes: undefined }, options, 4), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 4, plan });
        for (let i = 0; i < 10; i++) trainer.trainStep();
        return trainer;
      };
      const weightsOf = (trainer: Trainer): number[][] => Object.values(trainer.setup.networks).flatMap((model) => trainableVariables(model).map((variable) => Array.from(variable.dataSync())));
      const engine = run(false);
      const planned = run(true);
      // Strength 1 for steps 1-3, 2/3 and 1/3 at steps 4-5 (computed on their own), 0 from step 6.
      expect(planned.setup.phases.map((phase) => [1, 3, 4, 5, 6, 10].map((step) => phase.planKey?.(step)))).toEqual(
        planned.setup.phases.map((phase) => (phase.name === 'generator' ? ['', '', '', '', '', ''] : ['recentred', 'recentred', null, null, 'argmax', 'argmax'])),
      );
      expect(Object.values(planned.plans()).every((status) => status.startsWith('replayed'))).toBe(true);
      expect(weightsOf(planned)).toEqual(weightsOf(engine));
      expect(planned.prior.probabilities()).toEqual(engine.prior.probabilities());
      for (const trainer of [engine, planned]) {
        trainer.dispose();
        disposeSetup(trainer.setup);
      }
    }
    setValueChecks(valueChecks);
  });

  it('trains: losses finite, P(C) moves from uniform, an ablation is one weight', () => {
    const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
    const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { units: 8, layers: 2, lambdaCreg: 0.1 }, 1);
    const trainer = createTrainer({ setup, data, batchSize: 16, seed: 1, weights: { discriminator: { r1: 0 } } });
    let report = trainer.trainStep();
    for (let i = 0; i < 20; i++) report = trainer.trainStep();
    expect(Object.keys(report.losses)).toEqual(['discriminator.adversarial', 'discriminator.cls', 'discriminator.creg', 'generator.adversarial']);
    expect(Object.values(report.losses).every(Number.isFinite)).toBe(true);
    expect(report.entropy).toBeLessThan(Math.log(8));
    trainer.dispose();
    disposeSetup(setup);
  });

  it('never reads labels (supervised: false), and mirrors D*\'s widths in G on images: channels [8, 12] give D* 8 then 12, G 7 × 7 × 12 then 8', () => {
    expect(vcagan.supervised).toBe(false);
    const setup = vcagan.build({ sampleShape: [28, 28, 1], classes: undefined }, { channels: [8, 12], latentDim: 4, categories: 3 }, 1);
    const shapes = (model: tfl.LayersModel): string[] => model.layers.map((layer) => JSON.stringify(layer.outputShape));
    // G: a dense layer to 7 × 7 × 12, one transposed convolution to 14 × 14 × 8, then to the image.
    expect(shapes(network(setup, 'generator'))).toContain(JSON.stringify([null, 7, 7, 12]));
    expect(shapes(network(setup, 'generator'))).toContain(JSON.stringify([null, 14, 14, 8]));
    expect(shapes(network(setup, 'discriminator'))).toContain(JSON.stringify([null, 14, 14, 8]));
    expect(shapes(network(setup, 'discriminator'))).toContain(JSON.stringify([null, 7, 7, 12]));
    disposeSetup(setup);
  });

  it('rejects data and options it cannot use, naming them', () => {
    expect(invalidArgumentMessage(() => vcagan.build({ sampleShape: [4, 4], classes: undefined }, {}, 1))).toBe(
      'vcagan.build: data.sampleShape must be [features] (points) or [height, width, channels] (images), got [4,4].',
    );
    expect(invalidArgumentMessage(() => vcagan.build({ sampleShape: [2], classes: undefined }, { classifier: 'shared' as 'separate' }, 1))).toBe(
      `vcagan.build: options.classifier must be 'integrated' or 'separate', got "shared".`,
    );
    expect(invalidArgumentMessage(() => vcagan.build({ sampleShape: [2], classes: undefined }, { warmupSteps: 1.5 }, 1))).toBe('vcagan.build: options.warmupSteps must be an integer >= 0, got 1.5.');
  });
});

describe('VCAGAN on images, resumed', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('resumes exactly from a dataset source of images: weights, P(C) and the data position, across an epoch boundary', () => {
    const pixels = createRandom(21).uniform([24, 8, 8, 1], -1, 1);
    const dataset = inMemoryDataset({ values: pixels.dataSync(), sampleShape: [8, 8, 1] });
    pixels.dispose();
    const make = (): Trainer => {
      const setup = vcagan.build({ sampleShape: [8, 8, 1], classes: undefined }, { channels: [4, 8], categories: 3, latentDim: 4 }, 2);
      return createTrainer({ setup, data: datasetSource(dataset, { seed: 4 }), batchSize: 6, seed: 2, plan: true });
    };
    const weights = (trainer: Trainer): number[][] => Object.values(trainer.setup.networks).flatMap((model) => trainableVariables(model).map((variable) => Array.from(variable.dataSync())));
    const straight = make();
    for (let i = 0; i < 10; i++) straight.trainStep();
    // 24 images in batches of 6: an epoch is 4 steps; the snapshot at step 5 is inside the second.
    const first = make();
    for (let i = 0; i < 5; i++) first.trainStep();
    const snapshot = first.snapshot();
    const resumed = make();
    resumed.restore(snapshot);
    tf.dispose(Object.values(snapshot.tensors));
    for (let i = 0; i < 5; i++) resumed.trainStep();
    expect(weights(resumed)).toEqual(weights(straight));
    expect(resumed.prior.probabilities()).toEqual(straight.prior.probabilities());
    for (const trainer of [straight, first, resumed]) {
      trainer.dispose();
      disposeSetup(trainer.setup);
    }
  }, 120_000);
});

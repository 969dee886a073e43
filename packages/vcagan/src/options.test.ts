import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { caganDiscriminatorLoss, caganGeneratorLoss, classificationLoss } from '@gantry/losses';
import { cnnGenerator, discriminator, mlpGenerator } from '@gantry/models';
import type { RecipeSetup, StepBatch, TermContext } from '@gantry/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { vcagan } from './index.js';

const TINY = { units: 8, layers: 2, categories: 3, latentDim: 4 } as const;
const POINTS = { sampleShape: [2], classes: undefined };

const dispose = (setup: RecipeSetup): void => Object.values(setup.networks).forEach((model) => model.dispose());
const weightsOf = (model: unknown): number[][] => (model as tfl.LayersModel).getWeights().map((w) => Array.from(w.dataSync()));
const value = (t: tf.Tensor): number => t.dataSync()[0] as number;

/** A batch of 4 points for a setup, and a context with a fresh memo, as the trainer gives each phase. */
function batchFor(setup: RecipeSetup): StepBatch {
  const random = createRandom(8);
  const c = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), setup.categorical.categories), 'float32') as tf.Tensor2D;
  const z = random.normal([4, setup.continuous.dimension]) as tf.Tensor2D;
  return { real: random.normal([4, 2]), realLabels: undefined, z, c, generatorInput: tf.concat([z, c], 1) as tf.Tensor2D };
}
function contextFor(setup: RecipeSetup, batch: StepBatch, step = 1): TermContext {
  const cache = new Map<string, unknown>();
  return { step, batch, networks: setup.networks, memo: (key, compute) => (cache.has(key) ? cache.get(key) : (cache.set(key, compute()), cache.get(key))) as never };
}
const phase = (setup: RecipeSetup, name: string): RecipeSetup['phases'][number] => setup.phases.find((p) => p.name === name) as RecipeSetup['phases'][number];

describe('VCAGAN options, seeds and shared passes', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('penaltyInterval makes the gradient penalties lazy (every k-th step, ×k) and leaves the other terms and the generator every step', () => {
    const paper = vcagan.build(POINTS, TINY, 1);
    expect(paper.phases.map((p) => p.intervals)).toEqual([undefined, undefined]);
    dispose(paper);
    const lazy = vcagan.build(POINTS, { ...TINY, penaltyInterval: 4 }, 1);
    expect(phase(lazy, 'discriminator').intervals).toEqual({ creg: 4, cregFake: 4, r1: 4, r2: 4 });
    expect(phase(lazy, 'generator').intervals).toBeUndefined();
    dispose(lazy);
    const separate = vcagan.build(POINTS, { ...TINY, classifier: 'separate', penaltyInterval: 2 }, 1);
    expect(phase(separate, 'discriminator').intervals).toEqual({ r1: 2, r2: 2 });
    expect(phase(separate, 'classifier').intervals).toEqual({ creg: 2, cregFake: 2 });
    dispose(separate);
    for (const bad of [0, 1.5]) expect(invalidArgumentMessage(() => vcagan.build(POINTS, { ...TINY, penaltyInterval: bad }, 1))).toMatch(new RegExp(`options\\.penaltyInterval.*got ${bad}`));
  });

  it('names itself and the algorithm it implements', () => {
    expect(vcagan.name).toBe('vcagan');
    expect(vcagan.description).toMatch(/^VCAGAN: .*virtual labels.*\(Algorithm 1\)$/);
  });

  it('names each re-centring option and the adversarial family it cannot use', () => {
    const message = (options: object): string | undefined => invalidArgumentMessage(() => vcagan.build(POINTS, { ...TINY, ...options }, 1));
    expect(message({ recentre: 'yes' })).toBe('vcagan.build: options.recentre must be true or false, got "yes".');
    expect(message({ recentre: true, recentreAnnealSteps: -1 })).toBe('vcagan.build: options.recentreAnnealSteps must be an integer >= 0, got -1.');
    expect(message({ recentre: true, recentreAnnealSteps: 2.5 })).toBe('vcagan.build: options.recentreAnnealSteps must be an integer >= 0, got 2.5.');
    expect(message({ adversarial: 'nope' })).toBe("vcagan.build: options.adversarial must be one of 'logistic', 'minimax', 'hinge', 'wasserstein', 'least-squares' or an AdversarialLoss, got 'nope'.");
  });

  it('builds G from seed 2·seed + 2 and a separate D from 2·seed + 1, as the baselines do', () => {
    const seed = 4;
    const points = vcagan.build(POINTS, { ...TINY, classifier: 'separate' }, seed);
    const G = mlpGenerator({ inputDim: 7, outputDim: 2, units: 8, layers: 2, seed: 2 * seed + 2, name: 'generator' });
    const D = discriminator({ inputShape: [2], outputWidth: 3, trunk: { kind: 'mlp', units: 8, layers: 2 }, seed: 2 * seed + 1, name: 'discriminator' });
    expect(weightsOf(points.networks.generator)).toEqual(weightsOf(G));
    expect(weightsOf(points.networks.discriminator)).toEqual(weightsOf(D));
    const images = vcagan.build({ sampleShape: [8, 8, 1], classes: undefined }, { latentDim: 2, categories: 2, channels: [2, 3] }, seed);
    const imageG = cnnGenerator({ inputDim: 4, outputShape: [8, 8, 1], channels: [3, 2], seed: 2 * seed + 2, name: 'generator' });
    expect(weightsOf(images.networks.generator)).toEqual(weightsOf(imageG));
    [points, images].forEach(dispose);
    [G, D, imageG].forEach((model) => model.dispose());
  });

  it('runs D* once on the real batch and once on the fake one for all of a phase’s terms and its observation', () => {
    const setup = vcagan.build(POINTS, { ...TINY, lambdaCreg: 0, lambdaR1: 0 }, 1);
    const D = setup.networks.discriminator as tfl.LayersModel;
    const apply = D.apply.bind(D);
    let calls = 0;
    D.apply = ((...args: Parameters<typeof apply>) => {
      calls += 1;
      return apply(...args);
    }) as typeof D.apply;
    const discriminatorPhase = phase(setup, 'discriminator');
    const context = contextFor(setup, batchFor(setup));
    discriminatorPhase.terms.adversarial?.(context);
    discriminatorPhase.terms.cls?.(context);
    discriminatorPhase.observe?.(context);
    expect(calls).toBe(2);
    dispose(setup);
  });

  it.each(['integrated', 'separate'] as const)('computes each classifier term on its own, without the adversarial term first (%s classifier)', (classifier) => {
    const setup = vcagan.build(POINTS, { ...TINY, classifier }, 1);
    const batch = batchFor(setup);
    const cls = (classifier === 'separate' ? phase(setup, 'classifier') : phase(setup, 'discriminator')).terms.cls;
    const alone = value(cls?.(contextFor(setup, batch)) as tf.Tensor);
    const Q = (classifier === 'separate' ? setup.networks.classifier : setup.networks.discriminator) as tfl.LayersModel;
    const fake = (setup.networks.generator as tfl.LayersModel).apply(batch.generatorInput) as tf.Tensor;
    const out = Q.apply(fake);
    const logits = (Array.isArray(out) ? out[1] : out) as tf.Tensor2D;
    expect(alone).toBeCloseTo(value(classificationLoss({ labels: batch.c, logits })), 6);
    dispose(setup);
  });

  it('trains both phases with the adversarial family the options name', () => {
    const setup = vcagan.build(POINTS, { ...TINY, adversarial: 'hinge' }, 1);
    const batch = batchFor(setup);
    const D = setup.networks.discriminator as tfl.LayersModel;
    const fake = (setup.networks.generator as tfl.LayersModel).apply(batch.generatorInput) as tf.Tensor;
    const [realAdversarial, realLogits] = D.apply(batch.real) as tf.Tensor2D[];
    const [fakeAdversarial] = D.apply(fake) as tf.Tensor2D[];
    const virtual = tf.cast(tf.oneHot(tf.argMax(realLogits as tf.Tensor2D, 1), 3), 'float32') as tf.Tensor2D;
    const expectedD = caganDiscriminatorLoss({ realAdversarial: realAdversarial as tf.Tensor2D, realLabels: virtual, fakeAdversarial: fakeAdversarial as tf.Tensor2D, fakeLabels: batch.c }, { adversarial: 'hinge' });
    const expectedG = caganGeneratorLoss({ fakeAdversarial: fakeAdversarial as tf.Tensor2D, fakeLabels: batch.c }, { adversarial: 'hinge' });
    expect(value(phase(setup, 'discriminator').terms.adversarial?.(contextFor(setup, batch)) as tf.Tensor)).toBeCloseTo(value(expectedD), 6);
    expect(value(phase(setup, 'generator').terms.adversarial?.(contextFor(setup, batch)) as tf.Tensor)).toBeCloseTo(value(expectedG), 6);
    expect(Math.abs(value(expectedG) - value(caganGeneratorLoss({ fakeAdversarial: fakeAdversarial as tf.Tensor2D, fakeLabels: batch.c })))).toBeGreaterThan(1e-3);
    dispose(setup);
  });

  it('without re-centring, every step shares one plan, warm-up or not', () => {
    const setup = vcagan.build(POINTS, { ...TINY, warmupSteps: 10 }, 1);
    const keys = new Set([1, 5, 10, 11, 1000].map((step) => phase(setup, 'discriminator').planKey?.(step)));
    expect(keys.size).toBe(1);
    expect([...keys][0]).not.toBeNull();
    dispose(setup);
  });

  it('moves P(C) by the EMA decay the options give, and refuses a step whose phases observed nothing', () => {
    const setup = vcagan.build(POINTS, { ...TINY, priorDecay: 0.5 }, 1);
    const observed = { realProbabilities: { shape: [2, 3], values: new Float32Array([1, 0, 0, 1, 0, 0]) } };
    const updated = setup.updatePrior?.(observed, setup.categorical, 1);
    const third = 1 / 3;
    expect(updated?.probabilities().map((p) => Number(p.toFixed(6)))).toEqual([0.5 * third + 0.5, 0.5 * third, 0.5 * third].map((p) => Number(p.toFixed(6))));
    expect(() => setup.updatePrior?.({}, setup.categorical, 1)).toThrow('vcagan: no phase observed realProbabilities');
    dispose(setup);
  });
});

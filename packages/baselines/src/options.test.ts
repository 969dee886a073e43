import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { caganDiscriminatorLoss, caganGeneratorLoss } from '@gantry/losses';
import { classifier, cnnGenerator, discriminator, integratedDiscriminator, mlpGenerator } from '@gantry/models';
import type { Recipe, RecipeSetup, TermContext } from '@gantry/trainer';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { acgan, cagan, infoGan, vanillaGan, type BaselineOptions } from './index.js';

const TINY = { units: 8, layers: 2 };
const RECIPES = [vanillaGan, infoGan, acgan, cagan] as Recipe<BaselineOptions>[];

const dispose = (setup: RecipeSetup): void => Object.values(setup.networks).forEach((model) => model.dispose());
const inputWidth = (model: unknown): unknown => (model as tfl.LayersModel).inputs[0]?.shape[1];
const weightsOf = (model: unknown): number[][] => (model as tfl.LayersModel).getWeights().map((w) => Array.from(w.dataSync()));
const filters = (model: unknown): unknown[] =>
  (model as tfl.LayersModel).layers.flatMap((layer) => (layer.getConfig().filters === undefined ? [] : [layer.getConfig().filters]));

/** A term context on a fixed batch of 4 points; `labelled: false` leaves out the real labels. */
function contextFor(setup: RecipeSetup, labelled: boolean): TermContext {
  const random = createRandom(5);
  const d = setup.categorical.categories;
  const c = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), d), 'float32') as tf.Tensor2D;
  const z = random.normal([4, setup.continuous.dimension]) as tf.Tensor2D;
  const realLabels = labelled ? (tf.cast(tf.oneHot(tf.tensor1d([1, 2, 0, 1], 'int32'), d), 'float32') as tf.Tensor2D) : undefined;
  const batch = { real: random.normal([4, 2]), z, c, generatorInput: tf.concat([z, c], 1) as tf.Tensor2D, realLabels };
  const cache = new Map<string, unknown>();
  return { step: 1, batch, networks: setup.networks, memo: (key, compute) => (cache.has(key) ? cache.get(key) : (cache.set(key, compute()), cache.get(key))) as never };
}

describe('baseline options and sizes', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('name themselves, say whether they need labels, and say which figure or paper they reproduce', () => {
    expect(RECIPES.map((recipe) => [recipe.name, recipe.supervised])).toEqual([
      ['vanilla', false],
      ['infogan', false],
      ['acgan', true],
      ['cagan', true],
    ]);
    expect(vanillaGan.description).toMatch(/Fig\. 2/);
    expect(infoGan.description).toMatch(/Fig\. 3/);
    expect(acgan.description).toMatch(/ACGAN.*labelled data/);
    expect(cagan.description).toMatch(/CAGAN.*labelled data/);
  });

  it('default to 16 latent dimensions and 8 categories on points, 128 and 16 on images, and take either from the options', () => {
    for (const recipe of [vanillaGan, infoGan]) {
      const points = recipe.build({ sampleShape: [2], classes: undefined }, TINY, 1);
      expect([recipe.name, points.continuous.dimension, points.categorical.categories, inputWidth(points.networks.generator)]).toEqual([recipe.name, 16, 8, 24]);
      const images = recipe.build({ sampleShape: [8, 8, 1], classes: undefined }, { channels: [2, 2] }, 1);
      expect([recipe.name, images.continuous.dimension, images.categorical.categories, inputWidth(images.networks.generator)]).toEqual([recipe.name, 128, 16, 144]);
      const chosen = recipe.build({ sampleShape: [2], classes: undefined }, { ...TINY, latentDim: 5, categories: 3 }, 1);
      expect([recipe.name, chosen.continuous.dimension, chosen.categorical.categories, inputWidth(chosen.networks.generator)]).toEqual([recipe.name, 5, 3, 8]);
      const fromPrior = recipe.build({ sampleShape: [2], classes: undefined }, { ...TINY, probabilities: [0.5, 0.25, 0.25] }, 1);
      expect([recipe.name, fromPrior.categorical.categories, inputWidth(fromPrior.networks.generator)]).toEqual([recipe.name, 3, 19]);
      [points, images, chosen, fromPrior].forEach(dispose);
    }
  });

  it('unsupervised recipes ignore the data’s classes; supervised ones take d_c from them, whatever the options say', () => {
    const vanilla = vanillaGan.build({ sampleShape: [2], classes: 4 }, { ...TINY, categories: 5 }, 1);
    expect(vanilla.categorical.categories).toBe(5);
    const supervised = acgan.build({ sampleShape: [2], classes: 4 }, { ...TINY, categories: 5 }, 1);
    expect(supervised.categorical.categories).toBe(4);
    [vanilla, supervised].forEach(dispose);
  });

  it('on images default to the paper’s channels, 64 then 128', () => {
    const setup = vanillaGan.build({ sampleShape: [8, 8, 1], classes: undefined }, { latentDim: 2, categories: 2 }, 1);
    expect(filters(setup.networks.discriminator)).toEqual([64, 128]);
    expect(filters(setup.networks.generator)).toEqual([64, 1]);
    dispose(setup);
  });

  // The same derivation as VCAGAN's: at one seed, every recipe whose G has the same sizes
  // starts G from the same weights, so a comparison across recipes starts from one place.
  it('build G from seed 2·seed + 2 and D from 2·seed + 1, as VCAGAN does', () => {
    const seed = 7;
    const data = { sampleShape: [2], classes: 4 };
    const G = mlpGenerator({ inputDim: 16 + 4, outputDim: 2, ...TINY, seed: 2 * seed + 2, name: 'generator' });
    const trunk = { kind: 'mlp', ...TINY } as const;
    const expectedD: Record<string, tfl.LayersModel> = {
      vanilla: discriminator({ inputShape: [2], trunk, seed: 2 * seed + 1, name: 'discriminator' }),
      infogan: integratedDiscriminator({ inputShape: [2], categories: 4, adversarialWidth: 1, trunk, seed: 2 * seed + 1, name: 'discriminator' }),
      acgan: integratedDiscriminator({ inputShape: [2], categories: 4, adversarialWidth: 1, trunk, seed: 2 * seed + 1, name: 'discriminator' }),
      cagan: classifier({ inputShape: [2], categories: 4, trunk, seed: 2 * seed + 1, name: 'discriminator' }),
    };
    for (const recipe of RECIPES) {
      const setup = recipe.build(data, { ...TINY, categories: 4 }, seed);
      expect([recipe.name, weightsOf(setup.networks.generator)]).toEqual([recipe.name, weightsOf(G)]);
      expect([recipe.name, weightsOf(setup.networks.discriminator)]).toEqual([recipe.name, weightsOf(expectedD[recipe.name])]);
      dispose(setup);
    }
    const images = vanillaGan.build({ sampleShape: [8, 8, 1], classes: undefined }, { latentDim: 2, categories: 2, channels: [2, 3] }, seed);
    const imageG = cnnGenerator({ inputDim: 4, outputShape: [8, 8, 1], channels: [3, 2], seed: 2 * seed + 2, name: 'generator' });
    expect(weightsOf(images.networks.generator)).toEqual(weightsOf(imageG));
    dispose(images);
    [G, imageG, ...Object.values(expectedD)].forEach((model) => model.dispose());
  });

  it('name the recipe in their argument errors', () => {
    for (const recipe of RECIPES) {
      expect(invalidArgumentMessage(() => recipe.build({ sampleShape: [4, 2], classes: 2 }, TINY, 1))).toBe(
        `${recipe.name}.build: data.sampleShape must be [features] or [height, width, channels], got [4,2].`,
      );
      expect(invalidArgumentMessage(() => recipe.build({ sampleShape: [2], classes: 2 }, { ...TINY, adversarial: 'nope' as never }, 1))).toBe(
        `${recipe.name}.build: options.adversarial must be one of 'logistic', 'minimax', 'hinge', 'wasserstein', 'least-squares' or an AdversarialLoss, got 'nope'.`,
      );
    }
  });

  it('the supervised recipes’ terms refuse a batch without real labels, naming the recipe', () => {
    // The discriminator terms that read the real labels: ACGAN's classifier term, CAGAN's a·c_r in both of its terms.
    for (const [recipe, terms] of [[acgan, ['auxiliary']], [cagan, ['adversarial', 'r1']]] as const) {
      const setup = recipe.build({ sampleShape: [2], classes: 3 }, TINY, 1);
      const discriminatorPhase = setup.phases.find((phase) => phase.name === 'discriminator');
      for (const term of terms) {
        const compute = discriminatorPhase?.terms[term] as (context: TermContext) => tf.Tensor;
        expect([term, invalidArgumentMessage(() => compute(contextFor(setup, false)))]).toEqual([term, `${recipe.name}: batch.realLabels must be the dataset's labels, got unlabelled data.`]);
      }
      dispose(setup);
    }
  });

  it('only InfoGAN and ACGAN have a classifier, which returns Q’s logits', () => {
    for (const recipe of RECIPES) {
      const setup = recipe.build({ sampleShape: [2], classes: 3 }, TINY, 1);
      expect([recipe.name, 'classify' in setup]).toEqual([recipe.name, recipe.name === 'infogan' || recipe.name === 'acgan']);
      if (setup.classify !== undefined) {
        const x = createRandom(2).normal([5, 2]);
        const outputs = (setup.networks.discriminator as tfl.LayersModel).apply(x) as tf.Tensor[];
        expect(Array.from(setup.classify(x).dataSync())).toEqual(Array.from((outputs[1] as tf.Tensor).dataSync()));
      }
      dispose(setup);
    }
  });

  it('CAGAN trains with the adversarial family the options name, in both phases', () => {
    const setup = cagan.build({ sampleShape: [2], classes: 3 }, { ...TINY, adversarial: 'hinge' }, 1);
    const context = contextFor(setup, true);
    const D = setup.networks.discriminator as tfl.LayersModel;
    const fake = (setup.networks.generator as tfl.LayersModel).apply(context.batch.generatorInput) as tf.Tensor;
    const { realLabels, c } = context.batch as { realLabels: tf.Tensor; c: tf.Tensor };
    const expectedD = caganDiscriminatorLoss({ realAdversarial: D.apply(context.batch.real) as tf.Tensor, realLabels, fakeAdversarial: D.apply(fake) as tf.Tensor, fakeLabels: c }, { adversarial: 'hinge' });
    const expectedG = caganGeneratorLoss({ fakeAdversarial: D.apply(fake) as tf.Tensor, fakeLabels: c }, { adversarial: 'hinge' });
    const logistic = caganGeneratorLoss({ fakeAdversarial: D.apply(fake) as tf.Tensor, fakeLabels: c });
    const [dPhase, gPhase] = setup.phases as [RecipeSetup['phases'][number], RecipeSetup['phases'][number]];
    expect(dPhase.terms.adversarial?.(context).dataSync()[0]).toBeCloseTo(expectedD.dataSync()[0] as number, 6);
    expect(gPhase.terms.adversarial?.(context).dataSync()[0]).toBeCloseTo(expectedG.dataSync()[0] as number, 6);
    expect(Math.abs((expectedG.dataSync()[0] as number) - (logistic.dataSync()[0] as number))).toBeGreaterThan(1e-3);
    dispose(setup);
  });
});

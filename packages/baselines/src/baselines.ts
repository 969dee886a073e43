import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gantry/backend';
import {
  acganClassifierLoss,
  adversarialLoss,
  caganDiscriminatorLoss,
  caganGeneratorLoss,
  classificationLoss,
  conditionalLogits,
  r1Penalty,
  type AdversarialLoss,
  type AdversarialLossName,
} from '@gantry/losses';
import { applyModel, classifier, cnnGenerator, discriminator, discriminatorOutputs, imageOrPointNetworks, integratedDiscriminator, NETWORK_DEFAULTS, mlpGenerator, type CnnTrunk, type NetworkChoices, type DiscriminatorOutputs, type MlpTrunk } from '@gantry/models';
import { categoricalPrior, fixedRule, normalPrior } from '@gantry/priors';
import { stepIndependent, type DataDescription, type Recipe, type RecipeSetup, type TermContext } from '@gantry/trainer';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Options every baseline shares; the defaults are the paper's (Section 4). */
export interface BaselineOptions extends NetworkChoices {
  /** λ_r1. Default 1. */
  readonly lambdaR1?: number;
  /** d_z. Default 16 for points, 128 for images. */
  readonly latentDim?: number;
  /** d_c for the unsupervised baselines. Default 8 for points, 16 for images; supervised ones use the data's classes. */
  readonly categories?: number;
  /** The fixed P(C); default uniform (InfoGAN's Fig. 3 right; the paper's vanilla GAN, Fig. 2). */
  readonly probabilities?: readonly number[];
  /** f_d, f_g. Default `'logistic'`. */
  readonly adversarial?: AdversarialLossName;
  /** λ_cls for InfoGAN and ACGAN. Default 1. */
  readonly lambdaCls?: number;
  /** MLP units per hidden layer (points). Default 512. */
  readonly units?: number;
  /** MLP hidden layers (points). Default 4. */
  readonly layers?: number;
  /**
   * Filters of D's stride-2 convolutions (images), from the input up; G's transposed
   * convolutions use them in reverse. Default [64, 128], as VCAGAN's, so that a baseline and
   * VCAGAN compared on images train the same networks.
   */
  readonly channels?: readonly number[];
}

const DEFAULTS: Required<BaselineOptions> = {
  lambdaR1: 1,
  latentDim: 0,
  categories: 0,
  probabilities: [],
  adversarial: 'logistic',
  lambdaCls: 1,
  units: 512,
  layers: 4,
  channels: [64, 128],
  ...NETWORK_DEFAULTS,
};

interface Parts {
  readonly o: Required<BaselineOptions>;
  readonly images: boolean;
  readonly latentDim: number;
  readonly categories: number;
  readonly loss: AdversarialLoss;
  readonly G: tfl.LayersModel;
  readonly trunk: CnnTrunk | MlpTrunk;
}

/** The parts every baseline shares: sizes, the adversarial family, the generator. */
function parts(name: string, data: DataDescription, options: BaselineOptions, seed: number, supervised: boolean): Parts {
  const o = { ...DEFAULTS, ...options };
  const images = data.sampleShape.length === 3;
  if (!images && data.sampleShape.length !== 1) throw new InvalidArgumentError(`${name}.build`, 'data.sampleShape', '[features] or [height, width, channels]', JSON.stringify(data.sampleShape));
  if (supervised && data.classes === undefined) throw new InvalidArgumentError(`${name}.build`, 'data.classes', `the number of label classes (${name} trains on the dataset's labels)`, 'unlabelled data');
  const latentDim = o.latentDim > 0 ? o.latentDim : images ? 128 : 16;
  const categories = supervised ? (data.classes as number) : o.categories > 0 ? o.categories : o.probabilities.length > 0 ? o.probabilities.length : images ? 16 : 8;
  const { trunk, generator } = imageOrPointNetworks(`${name}.build`, images, o);
  const G = images
    ? cnnGenerator({ inputDim: latentDim + categories, outputShape: data.sampleShape, channels: [...o.channels].reverse(), ...generator, seed: 2 * seed + 2, name: 'generator' })
    : mlpGenerator({ inputDim: latentDim + categories, outputDim: data.sampleShape[0] as number, units: o.units, layers: o.layers, initialization: o.initialization, seed: 2 * seed + 2, name: 'generator' });
  return { o, images, latentDim, categories, loss: adversarialLoss(o.adversarial, `${name}.build`, 'options.adversarial'), G, trunk };
}

function fixedPrior(p: Parts): RecipeSetup['categorical'] {
  return p.o.probabilities.length > 0 ? categoricalPrior({ probabilities: p.o.probabilities, rule: fixedRule() }) : categoricalPrior({ categories: p.categories, rule: fixedRule() });
}

/**
 * The parts of a setup every baseline shares: D and G by name, z ~ N(0, I), a fixed P(C).
 * No baseline's phase depends on the step, so every one can be replayed from a kernel plan.
 */
function setupOf(p: Parts, D: tfl.LayersModel, phases: RecipeSetup['phases'], classify?: RecipeSetup['classify']): RecipeSetup {
  return {
    networks: { discriminator: D, generator: p.G },
    generator: 'generator',
    continuous: normalPrior(p.latentDim),
    categorical: fixedPrior(p),
    phases: phases.map((phase) => ({ ...phase, planKey: stepIndependent })),
    ...(classify === undefined ? {} : { classify }),
  };
}

// Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the step's other keys, which "" does.
const fakeOf = (G: tfl.LayersModel) => (context: TermContext): tf.Tensor => context.memo('fake', () => applyModel(G, context.batch.generatorInput) as tf.Tensor);

function realLabelsOf(context: TermContext, recipe: string): tf.Tensor2D {
  const labels = context.batch.realLabels;
  if (labels === undefined) throw new InvalidArgumentError(recipe, 'batch.realLabels', "the dataset's labels", 'unlabelled data');
  return labels;
}

/**
 * The paper's vanilla GAN baseline (Fig. 2): G is fed (z, c) with c from a fixed uniform
 * P(C), but no loss involves c. Discriminator: f_d(D(x), D(G(z, c))) + λ_r1·R1; generator:
 * f_g(D(G(z, c))). D outputs one logit.
 */
export const vanillaGan: Recipe<BaselineOptions> = {
  name: 'vanilla',
  description: 'vanilla GAN fed (z, c) with no conditional loss (the paper’s Fig. 2 baseline)',
  supervised: false,
  defaults: DEFAULTS,
  build(data, options, seed) {
    const p = parts('vanilla', data, options, seed, false);
    const D = discriminator({ inputShape: data.sampleShape, trunk: p.trunk, initialization: p.o.initialization, seed: 2 * seed + 1, name: 'discriminator' });
    const fake = fakeOf(p.G);
    const logit = (x: tf.Tensor): tf.Tensor => applyModel(D, x) as tf.Tensor;
    return setupOf(
      p,
      D,
      [
        {
          name: 'discriminator',
          network: 'discriminator',
          terms: {
            // Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the step's other keys, which "" does.
            adversarial: (context) => p.loss.discriminator({ real: context.memo('realLogit', () => logit(context.batch.real)), fake: context.memo('fakeLogit', () => logit(fake(context))) }),
            r1: (context) => r1Penalty({ discriminator: logit, real: context.batch.real }),
          },
          weights: { adversarial: 1, r1: p.o.lambdaR1 },
        },
        { name: 'generator', network: 'generator', terms: { adversarial: (context) => p.loss.generator({ fake: logit(fake(context)) }) }, weights: { adversarial: 1 } },
      ],
    );
  },
};

/**
 * The shape InfoGAN and ACGAN share: D* with one adversarial logit and a classifier head Q
 * on a shared trunk (Chen et al. 2016; Odena et al. 2017). The discriminator minimises
 * f_d + λ_cls·(its classification term) + λ_r1·R1, the generator f_g + λ_cls·L_cls with
 * L_cls = cross-entropy(c, Q(G(z, c))) (Eq. 1). Only the discriminator's classification
 * term differs: InfoGAN's is L_cls (Eq. 2), ACGAN's adds the real labels' cross-entropy.
 */
function classifierGan(
  name: string,
  data: DataDescription,
  options: BaselineOptions,
  seed: number,
  supervised: boolean,
  classTerm: { readonly name: string; readonly term: (context: TermContext, outputs: { readonly real: DiscriminatorOutputs; readonly fake: DiscriminatorOutputs }) => tf.Scalar },
): RecipeSetup {
  const p = parts(name, data, options, seed, supervised);
  const D = integratedDiscriminator({ inputShape: data.sampleShape, categories: p.categories, adversarialWidth: 1, trunk: p.trunk, initialization: p.o.initialization, seed: 2 * seed + 1, name: 'discriminator' });
  const fake = fakeOf(p.G);
  // Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the step's other keys, which "" does.
  const real = (context: TermContext): DiscriminatorOutputs => context.memo('realOutputs', () => discriminatorOutputs(D, context.batch.real));
  // Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the step's other keys, which "" does.
  const fakeOutputs = (context: TermContext): DiscriminatorOutputs => context.memo('fakeOutputs', () => discriminatorOutputs(D, fake(context)));
  return setupOf(
    p,
    D,
    [
      {
        name: 'discriminator',
        network: 'discriminator',
        terms: {
          adversarial: (context) => p.loss.discriminator({ real: real(context).adversarial, fake: fakeOutputs(context).adversarial }),
          [classTerm.name]: (context) => classTerm.term(context, { real: real(context), fake: fakeOutputs(context) }),
          r1: (context) => r1Penalty({ discriminator: (x) => discriminatorOutputs(D, x).adversarial, real: context.batch.real }),
        },
        weights: { adversarial: 1, [classTerm.name]: p.o.lambdaCls, r1: p.o.lambdaR1 },
      },
      {
        name: 'generator',
        network: 'generator',
        terms: {
          adversarial: (context) => p.loss.generator({ fake: fakeOutputs(context).adversarial }),
          cls: (context) => classificationLoss({ labels: context.batch.c, logits: fakeOutputs(context).logits }),
        },
        weights: { adversarial: 1, cls: p.o.lambdaCls },
      },
    ],
    (x) => discriminatorOutputs(D, x).logits,
  );
}

/**
 * InfoGAN with a fixed categorical code (Chen et al. 2016; the paper's Fig. 3): D* has one
 * adversarial logit and a classifier head Q sharing its trunk. Discriminator (Eq. 2):
 * f_d + λ_cls·L_cls + λ_r1·R1; generator (Eq. 3): f_g + λ_cls·L_cls, with
 * L_cls = cross-entropy(c, Q(G(z, c))) (Eq. 1) in both.
 */
export const infoGan: Recipe<BaselineOptions> = {
  name: 'infogan',
  description: 'InfoGAN with a fixed categorical prior: L_cls in both D and G (Eqs. 1-3, the paper’s Fig. 3 baseline)',
  supervised: false,
  defaults: DEFAULTS,
  build: (data, options, seed) =>
    classifierGan('infogan', data, options, seed, false, { name: 'cls', term: (context, outputs) => classificationLoss({ labels: context.batch.c, logits: outputs.fake.logits }) }),
};

/**
 * ACGAN (Odena et al. 2017), supervised: c is drawn from a fixed P(C) over the dataset's
 * classes and the real batch carries its labels. Discriminator: f_d + λ_cls·(CE on real
 * labels + CE on fake labels) + λ_r1·R1; generator: f_g + λ_cls·CE(c, Q(G(z, c))).
 */
export const acgan: Recipe<BaselineOptions> = {
  name: 'acgan',
  description: 'ACGAN: auxiliary classifier on real and fake labels (supervised; needs labelled data)',
  supervised: true,
  defaults: DEFAULTS,
  build: (data, options, seed) =>
    classifierGan('acgan', data, options, seed, true, {
      name: 'auxiliary',
      term: (context, outputs) =>
        acganClassifierLoss({ realLabels: realLabelsOf(context, 'acgan'), realLogits: outputs.real.logits, fakeLabels: context.batch.c, fakeLogits: outputs.fake.logits }),
    }),
};

/**
 * CAGAN (Cho & Yoon 2020), supervised: D outputs an adversarial vector a of width d_c =
 * the number of classes; the logit for label c is a·c. Discriminator: f_d(a_r·c_r, a_f·c_f)
 * with the dataset's labels c_r (Eq. 4) + λ_r1·R1 on a·c_r; generator: f_g(a_f·c_f) (Eq. 5).
 */
export const cagan: Recipe<BaselineOptions> = {
  name: 'cagan',
  description: 'CAGAN: conditional activation loss a·c with the dataset’s labels (supervised; needs labelled data)',
  supervised: true,
  defaults: DEFAULTS,
  build(data, options, seed) {
    const p = parts('cagan', data, options, seed, true);
    // A network with d_c outputs is exactly CAGAN's discriminator: the vector a.
    const D = classifier({ inputShape: data.sampleShape, categories: p.categories, trunk: p.trunk, initialization: p.o.initialization, seed: 2 * seed + 1, name: 'discriminator' });
    const fake = fakeOf(p.G);
    const vector = (x: tf.Tensor): tf.Tensor => applyModel(D, x) as tf.Tensor;
    return setupOf(
      p,
      D,
      [
        {
          name: 'discriminator',
          network: 'discriminator',
          terms: {
            adversarial: (context) =>
              caganDiscriminatorLoss(
                { realAdversarial: vector(context.batch.real), realLabels: realLabelsOf(context, 'cagan'), fakeAdversarial: vector(fake(context)), fakeLabels: context.batch.c },
                { adversarial: p.loss },
              ),
            r1: (context) => r1Penalty({ discriminator: (x) => conditionalLogits({ adversarial: vector(x), labels: realLabelsOf(context, 'cagan') }), real: context.batch.real }),
          },
          weights: { adversarial: 1, r1: p.o.lambdaR1 },
        },
        {
          name: 'generator',
          network: 'generator',
          terms: { adversarial: (context) => caganGeneratorLoss({ fakeAdversarial: vector(fake(context)), fakeLabels: context.batch.c }, { adversarial: p.loss }) },
          weights: { adversarial: 1 },
        },
      ],
    );
  },
};

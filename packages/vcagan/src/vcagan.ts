import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gantry/backend';
import {
  adversarialLoss,
  argmaxOneHot,
  caganDiscriminatorLoss,
  caganGeneratorLoss,
  classificationLoss,
  classifierGradientPenalty,
  conditionalLogits,
  r1Penalty,
  type AdversarialLossName,
} from '@gantry/losses';
import { applyModel, cnnGenerator, discriminatorOutputs, integratedDiscriminator, mlpGenerator, type DiscriminatorOutputs } from '@gantry/models';
import { categoricalPrior, exponentialMovingAverage, normalPrior } from '@gantry/priors';
import type { DataDescription, Recipe, RecipeSetup, TermContext } from '@gantry/trainer';

/** VCAGAN's hyperparameters; the defaults are the paper's (Section 4). */
export interface VcaganOptions {
  /** λ_cls (Eq. 7). Default 1. */
  readonly lambdaCls?: number;
  /** λ_creg (Eq. 7): the paper sweeps 0.1, 1, 10 (Gaussians) and 1, 5, 10 (MNIST). Default 1. */
  readonly lambdaCreg?: number;
  /** λ_r1, the weight of R1 = E||∇x D(x)·c_r||² (no ½). Default 1. */
  readonly lambdaR1?: number;
  /** d_z. Default 16 for points, 128 for images. */
  readonly latentDim?: number;
  /** d_c. Default 8 for points, 16 for images. */
  readonly categories?: number;
  /** The EMA decay of P(C) (Algorithm 1, line 12). Default 0.999. */
  readonly priorDecay?: number;
  /** f_d, f_g. Default `'logistic'` (non-saturating, with R1). */
  readonly adversarial?: AdversarialLossName;
  /** Units per hidden layer of the MLPs (points). Default 512. */
  readonly units?: number;
  /** Hidden layers of the MLPs (points). Default 4. */
  readonly layers?: number;
  /**
   * Filters of D*'s stride-2 convolutions (images), from the input up; G's transposed
   * convolutions use them in reverse. Default [64, 128] (G: 7×7×128 → 14×14×64 → 28×28).
   */
  readonly channels?: readonly number[];
}

/** The defaults, with d_z, d_c chosen by the data's rank (0 = choose). */
const DEFAULTS: Required<VcaganOptions> = {
  lambdaCls: 1,
  lambdaCreg: 1,
  lambdaR1: 1,
  latentDim: 0,
  categories: 0,
  priorDecay: 0.999,
  adversarial: 'logistic',
  units: 512,
  layers: 4,
  channels: [64, 128],
};

/**
 * VCAGAN (Cho, "Training self-supervised class-conditional GAN with virtual labels"),
 * Algorithm 1 as a recipe:
 *
 * - discriminator phase (trains D*): `adversarial` = f_d(a_r·c_r, a_f·c_f), Eq. 4, with
 *   the virtual labels c_r = argmax onehot(Q(x)), line 7; `cls` = cross-entropy(c_f, Q(x')),
 *   Eq. 1 / line 8, weight λ_cls; `creg` = the classifier gradient penalty, Eq. 6 / line 9,
 *   weight λ_creg; `r1` = E||∇x (a(x)·c_r)||², weight λ_r1 (Section 4). Together Eq. 7 plus R1.
 * - generator phase (trains G): `adversarial` = f_g(a_f·c_f), Eqs. 5 and 8: no
 *   classification loss in the generator.
 * - P(C) ← EMA(decay 0.999) of the batch mean of Q(x_real) (line 12, Section 4).
 *
 * D* is the integrated discriminator + classifier (shared trunk, an adversarial vector and
 * class logits of width d_c); G takes concat(z, c). Points get the paper's 4 × 512 MLPs
 * (Section 4.1), images the DCGAN-style CNNs (Section 4.2).
 */
export const vcagan: Recipe<VcaganOptions> = {
  name: 'vcagan',
  description: 'VCAGAN: self-supervised class-conditional GAN with virtual labels, classifier gradient penalty and a moving prior (Algorithm 1)',
  supervised: false,
  defaults: DEFAULTS,
  build(data: DataDescription, options: VcaganOptions, seed: number): RecipeSetup {
    const o = { ...DEFAULTS, ...options };
    const images = data.sampleShape.length === 3;
    if (!images && data.sampleShape.length !== 1) {
      throw new InvalidArgumentError('vcagan.build', 'data.sampleShape', '[features] (points) or [height, width, channels] (images)', JSON.stringify(data.sampleShape));
    }
    const latentDim = o.latentDim > 0 ? o.latentDim : images ? 128 : 16;
    const categories = o.categories > 0 ? o.categories : images ? 16 : 8;
    const loss = adversarialLoss(o.adversarial, 'vcagan.build', 'options.adversarial');
    const D = integratedDiscriminator({
      inputShape: data.sampleShape,
      categories,
      trunk: images ? { kind: 'cnn', channels: o.channels } : { kind: 'mlp', units: o.units, layers: o.layers },
      seed: 2 * seed + 1,
      name: 'discriminator',
    });
    const G = images
      ? cnnGenerator({ inputDim: latentDim + categories, outputShape: data.sampleShape, channels: [...o.channels].reverse(), seed: 2 * seed + 2, name: 'generator' })
      : mlpGenerator({ inputDim: latentDim + categories, outputDim: data.sampleShape[0] as number, units: o.units, layers: o.layers, seed: 2 * seed + 2, name: 'generator' });

    // Shared forward passes, once per phase (Algorithm 1, lines 4-7).
    const realOutputs = (context: TermContext): DiscriminatorOutputs => context.memo('realOutputs', () => discriminatorOutputs(D, context.batch.real));
    const fake = (context: TermContext): tf.Tensor => context.memo('fake', () => applyModel(G, context.batch.generatorInput) as tf.Tensor);
    const fakeOutputs = (context: TermContext): DiscriminatorOutputs => context.memo('fakeOutputs', () => discriminatorOutputs(D, fake(context)));
    const virtualLabels = (context: TermContext): tf.Tensor2D => context.memo('virtualLabels', () => argmaxOneHot(realOutputs(context).logits));

    return {
      networks: { discriminator: D, generator: G },
      generator: 'generator',
      continuous: normalPrior(latentDim),
      categorical: categoricalPrior({ categories, rule: exponentialMovingAverage({ decay: o.priorDecay }) }),
      phases: [
        {
          name: 'discriminator',
          network: 'discriminator',
          terms: {
            adversarial: (context) =>
              caganDiscriminatorLoss(
                { realAdversarial: realOutputs(context).adversarial, realLabels: virtualLabels(context), fakeAdversarial: fakeOutputs(context).adversarial, fakeLabels: context.batch.c },
                { adversarial: loss },
              ),
            cls: (context) => classificationLoss({ labels: context.batch.c, logits: fakeOutputs(context).logits }),
            creg: (context) => classifierGradientPenalty({ classifier: (x) => discriminatorOutputs(D, x).logits, real: context.batch.real, labels: virtualLabels(context) }),
            r1: (context) =>
              r1Penalty({ discriminator: (x) => conditionalLogits({ adversarial: discriminatorOutputs(D, x).adversarial, labels: virtualLabels(context) }), real: context.batch.real }),
          },
          weights: { adversarial: 1, cls: o.lambdaCls, creg: o.lambdaCreg, r1: o.lambdaR1 },
          observe: (context) => ({ realProbabilities: tf.softmax(realOutputs(context).logits) }),
        },
        {
          name: 'generator',
          network: 'generator',
          terms: { adversarial: (context) => caganGeneratorLoss({ fakeAdversarial: fakeOutputs(context).adversarial, fakeLabels: context.batch.c }, { adversarial: loss }) },
          weights: { adversarial: 1 },
        },
      ],
      classify: (x) => discriminatorOutputs(D, x).logits,
      updatePrior: (observed, prior) => {
        const probabilities = observed.realProbabilities;
        if (probabilities === undefined) throw new Error('vcagan: the discriminator phase did not observe realProbabilities');
        return prior.update(probabilities);
      },
    };
  },
};

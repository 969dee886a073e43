import * as tf from '@tensorflow/tfjs-core';
import { expectNumber, InvalidArgumentError } from '@gantry/backend';
import {
  adversarialLoss,
  argmaxOneHot,
  caganDiscriminatorLoss,
  caganGeneratorLoss,
  classificationLoss,
  classifierGradientPenalty,
  conditionalLogits,
  fakeClassifierGradientPenalty,
  r1Penalty,
  r2Penalty,
  recentredArgmaxOneHot,
  sharedRealPenalties,
  type AdversarialLossName,
} from '@gantry/losses';
import { applyModel, classifier, cnnGenerator, discriminator, discriminatorOutputs, imageOrPointNetworks, integratedDiscriminator, NETWORK_DEFAULTS, mlpGenerator, type NetworkChoices } from '@gantry/models';
import { categoricalPrior, exponentialMovingAverage, normalPrior } from '@gantry/priors';
import { observedRows, stepIndependent, type DataDescription, type Phase, type Recipe, type RecipeSetup, type Term, type TermContext } from '@gantry/trainer';

/**
 * VCAGAN's hyperparameters. The defaults are the paper's text (Section 4); every option
 * that departs from it says where it comes from, and leaves the paper's recipe unchanged
 * when left at its default.
 */
export interface VcaganOptions extends NetworkChoices {
  /** λ_cls (Eq. 7). Default 1. */
  readonly lambdaCls?: number;
  /** λ_creg (Eq. 7): the paper sweeps 0.1, 1, 10 (Gaussians) and 1, 5, 10 (MNIST). Default 1. */
  readonly lambdaCreg?: number;
  /** λ_r1, the weight of R1 = E||∇x D(x)·c_r||² (no ½). Default 1. */
  readonly lambdaR1?: number;
  /**
   * The weight of R2 on generated data, E||∇x' D(x')·c||² (term `r2`): the adversarial
   * penalty of the author's CGPGAN code (weight 1 there, with no R1). Default 0 (the paper: R1 only).
   */
  readonly lambdaR2?: number;
  /**
   * The weight of the classifier penalty on generated data, E||∇x' (1 − Q(x')·c)²||²
   * (term `cregFake`): the CGPGAN code's classifier penalty (weight 0.1 there, with no Eq. 6).
   * Default 0 (the paper: Eq. 6 on real data only).
   */
  readonly lambdaCregFake?: number;
  /**
   * Lazy regularization (StyleGAN2, Karras et al. 2020, Section 4): the gradient penalties
   * (`r1`, `creg`, `r2`, `cregFake`) are computed every k-th step only, with their weights ×k
   * ({@link Phase.intervals}), so that their double backward, most of an image step's time,
   * runs on one step in k. Default 1 (the paper: every step).
   */
  readonly penaltyInterval?: number;
  /**
   * Prior warm-up, from the CGPGAN code (30 epochs there): P(C) stays as it started (uniform)
   * for steps 1..warmupSteps and follows the EMA after. Default 0 (the paper: no warm-up).
   */
  readonly warmupSteps?: number;
  /**
   * During the warm-up, take the virtual labels from re-centred probabilities,
   * argmax onehot(Q(x) − mean_batch Q(x) + 1/d_c) (CGPGAN code), so that every category keeps
   * some real data. Default false. Has no effect without `warmupSteps`.
   */
  readonly recentre?: boolean;
  /**
   * With `recentre`: after the warm-up, fade the re-centring out over this many steps
   * instead of switching it off at once: the batch mean is subtracted with strength
   * 1 − (t − warmupSteps)/recentreAnnealSteps (see {@link recentreStrength}). Gantry's, not
   * the CGPGAN code's. Default 0 (the switch).
   */
  readonly recentreAnnealSteps?: number;
  /**
   * `'integrated'`: the paper's D*, one trunk with an adversarial head and a classifier head.
   * `'separate'`: a discriminator and a classifier Q as two networks with their own optimizers
   * (CGPGAN code); Q trains on `cls`, `creg` and `cregFake` in its own phase. Default `'integrated'`.
   */
  readonly classifier?: 'integrated' | 'separate';
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
  lambdaR2: 0,
  lambdaCregFake: 0,
  penaltyInterval: 1,
  warmupSteps: 0,
  recentre: false,
  recentreAnnealSteps: 0,
  classifier: 'integrated',
  latentDim: 0,
  categories: 0,
  priorDecay: 0.999,
  adversarial: 'logistic',
  units: 512,
  layers: 4,
  channels: [64, 128],
  ...NETWORK_DEFAULTS,
};

/**
 * How strongly VCAGAN re-centres the virtual labels at step t (1-based): 1 during the
 * warm-up (t ≤ warmupSteps), then falling linearly to 0 over `annealSteps` steps (0 at once
 * when annealSteps is 0). The argument of {@link recentredArgmaxOneHot}.
 */
export function recentreStrength(step: number, warmupSteps: number, annealSteps: number): number {
  if (step <= warmupSteps) return 1;
  // Stryker disable next-line EqualityOperator: equivalent: at step = warmupSteps + annealSteps (annealSteps > 0 there) the ramp below gives 1 − annealSteps/annealSteps = 0 too.
  if (step > warmupSteps + annealSteps) return 0;
  return 1 - (step - warmupSteps) / annealSteps;
}

/** The classifier's terms; with a separate classifier they form their own phase. */
const CLASSIFIER_TERMS = ['cls', 'creg', 'cregFake'] as const;

/**
 * VCAGAN (Cho, "Training self-supervised class-conditional GAN with virtual labels"),
 * Algorithm 1 as a recipe:
 *
 * - discriminator phase (trains D*): `adversarial` = f_d(a_r·c_r, a_f·c_f), Eq. 4, with
 *   the virtual labels c_r = argmax onehot(Q(x)), line 7; `cls` = cross-entropy(c_f, Q(x')),
 *   Eq. 1 / line 8, weight λ_cls; `creg` = the classifier gradient penalty, Eq. 6 / line 9,
 *   weight λ_creg; `r1` = E||∇x (a(x)·c_r)||², weight λ_r1 (Section 4). Together Eq. 7 plus R1.
 *   Two more terms, weight 0 unless asked for: `r2` and `cregFake`, the penalties on
 *   generated data of the author's CGPGAN code.
 * - generator phase (trains G): `adversarial` = f_g(a_f·c_f), Eqs. 5 and 8: no
 *   classification loss in the generator.
 * - P(C) ← EMA(decay 0.999) of the batch mean of Q(x_real) (line 12, Section 4), after
 *   `warmupSteps` steps of a frozen prior (0 in the paper).
 *
 * D* is the integrated discriminator + classifier (shared trunk, an adversarial vector and
 * class logits of width d_c); G takes concat(z, c). Points get the paper's 4 × 512 MLPs
 * (Section 4.1), images the DCGAN-style CNNs (Section 4.2). With `classifier: 'separate'`,
 * a discriminator (phase `discriminator`: adversarial, r1, r2) and a classifier (phase
 * `classifier`: cls, creg, cregFake) are two networks. What each option does over seeds: docs/results/gaussian.md.
 */
export const vcagan: Recipe<VcaganOptions> = {
  name: 'vcagan',
  description: 'VCAGAN: self-supervised class-conditional GAN with virtual labels, classifier gradient penalty and a moving prior (Algorithm 1)',
  supervised: false,
  defaults: DEFAULTS,
  build(data: DataDescription, options: VcaganOptions, seed: number): RecipeSetup {
    const o = { ...DEFAULTS, ...options };
    const caller = 'vcagan.build';
    const images = data.sampleShape.length === 3;
    if (!images && data.sampleShape.length !== 1) {
      throw new InvalidArgumentError(caller, 'data.sampleShape', '[features] (points) or [height, width, channels] (images)', JSON.stringify(data.sampleShape));
    }
    if (o.classifier !== 'integrated' && o.classifier !== 'separate') throw new InvalidArgumentError(caller, 'options.classifier', "'integrated' or 'separate'", JSON.stringify(o.classifier));
    if (typeof o.recentre !== 'boolean') throw new InvalidArgumentError(caller, 'options.recentre', 'true or false', JSON.stringify(o.recentre));
    const penaltyInterval = expectNumber(caller, 'options.penaltyInterval', o.penaltyInterval, { min: 1, integer: true });
    const warmupSteps = expectNumber(caller, 'options.warmupSteps', o.warmupSteps, { min: 0, integer: true });
    const annealSteps = expectNumber(caller, 'options.recentreAnnealSteps', o.recentreAnnealSteps, { min: 0, integer: true });
    if (annealSteps > 0 && !o.recentre) throw new InvalidArgumentError(caller, 'options.recentreAnnealSteps', '0 unless options.recentre is true (it fades the re-centring out)', String(annealSteps));
    const latentDim = o.latentDim > 0 ? o.latentDim : images ? 128 : 16;
    const categories = o.categories > 0 ? o.categories : images ? 16 : 8;
    const loss = adversarialLoss(o.adversarial, caller, 'options.adversarial');
    const { trunk, generator: generatorOptions } = imageOrPointNetworks(caller, images, o);
    const separate = o.classifier === 'separate';
    const initialization = o.initialization;
    const G = images
      ? cnnGenerator({ inputDim: latentDim + categories, outputShape: data.sampleShape, channels: [...o.channels].reverse(), ...generatorOptions, seed: 2 * seed + 2, name: 'generator' })
      : mlpGenerator({ inputDim: latentDim + categories, outputDim: data.sampleShape[0] as number, units: o.units, layers: o.layers, initialization, seed: 2 * seed + 2, name: 'generator' });
    // Integrated: one D* for both heads (the paper). Separate: D's seed as D*'s, Q's its own.
    const D = separate
      ? discriminator({ inputShape: data.sampleShape, outputWidth: categories, trunk, initialization, seed: 2 * seed + 1, name: 'discriminator' })
      : integratedDiscriminator({ inputShape: data.sampleShape, categories, trunk, initialization, seed: 2 * seed + 1, name: 'discriminator' });
    const Q = separate ? classifier({ inputShape: data.sampleShape, categories, trunk, initialization, seed: 2 * seed + 1_000_003, name: 'classifier' }) : undefined;
    const adversarialOf = (x: tf.Tensor): tf.Tensor2D => (separate ? (applyModel(D, x) as tf.Tensor2D) : discriminatorOutputs(D, x).adversarial);
    const logitsOf = (x: tf.Tensor): tf.Tensor2D => (Q !== undefined ? (applyModel(Q, x) as tf.Tensor2D) : discriminatorOutputs(D, x).logits);

    // Shared forward passes, once per phase (Algorithm 1, lines 4-7). With D*, one pass
    // gives both heads; the memo keys keep that to one pass.
    const realAdversarial = (context: TermContext): tf.Tensor2D =>
      separate
        ? // Stryker disable next-line StringLiteral: equivalent: a memo key read in one place only has to differ from the phase's other keys, which "" does.
          context.memo('realAdversarial', () => adversarialOf(context.batch.real))
        : context.memo('realOutputs', () => discriminatorOutputs(D, context.batch.real)).adversarial;
    const realLogits = (context: TermContext): tf.Tensor2D =>
      separate
        ? // Stryker disable next-line StringLiteral: equivalent: a memo key read in one place only has to differ from the phase's other keys, which "" does.
          context.memo('realLogits', () => logitsOf(context.batch.real))
        : context.memo('realOutputs', () => discriminatorOutputs(D, context.batch.real)).logits;
    // Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the phase's other keys, which "" does.
    const fake = (context: TermContext): tf.Tensor => context.memo('fake', () => applyModel(G, context.batch.generatorInput) as tf.Tensor);
    const fakeAdversarial = (context: TermContext): tf.Tensor2D =>
      separate
        ? // Stryker disable next-line StringLiteral: equivalent: a memo key read in one place only has to differ from the phase's other keys, which "" does.
          context.memo('fakeAdversarial', () => adversarialOf(fake(context)))
        : context.memo('fakeOutputs', () => discriminatorOutputs(D, fake(context))).adversarial;
    const fakeLogits = (context: TermContext): tf.Tensor2D =>
      separate
        ? // Stryker disable next-line StringLiteral: equivalent: a memo key read in one place only has to differ from the phase's other keys, which "" does.
          context.memo('fakeLogits', () => logitsOf(fake(context)))
        : context.memo('fakeOutputs', () => discriminatorOutputs(D, fake(context))).logits;
    const warmingUp = (step: number): boolean => step <= warmupSteps;
    const virtualLabels = (context: TermContext): tf.Tensor2D =>
      // Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the phase's other keys, which "" does.
      context.memo('virtualLabels', () => {
        const strength = o.recentre ? recentreStrength(context.step, warmupSteps, annealSteps) : 0;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: re-centring with strength 0 is the plain argmax one-hot.
        return strength > 0 ? recentredArgmaxOneHot(tf.softmax(realLogits(context)), strength) : argmaxOneHot(realLogits(context));
      });

    // With D* and both weights on, R1 and Eq. 6 come from one stacked forward and backward
    // pass (the same values, a third fewer kernels); otherwise each from its own.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: the shared pass and the two separate ones give the same values to float rounding (penalties.test.ts in @gantry/losses); only the kernel count tells them apart.
    const shareRealPenalties = !separate && o.lambdaR1 !== 0 && o.lambdaCreg !== 0;
    const realPenalties = (context: TermContext): { r1: tf.Scalar; creg: tf.Scalar } =>
      // Stryker disable next-line StringLiteral: equivalent: a memo key only has to differ from the phase's other keys, which "" does.
      context.memo('realPenalties', () => sharedRealPenalties({ network: (x) => discriminatorOutputs(D, x), real: context.batch.real, labels: virtualLabels(context) }));

    const terms: Readonly<Record<string, Term>> = {
      adversarial: (context) =>
        caganDiscriminatorLoss(
          { realAdversarial: realAdversarial(context), realLabels: virtualLabels(context), fakeAdversarial: fakeAdversarial(context), fakeLabels: context.batch.c },
          { adversarial: loss },
        ),
      cls: (context) => classificationLoss({ labels: context.batch.c, logits: fakeLogits(context) }),
      creg: shareRealPenalties
        ? (context) => realPenalties(context).creg
        : (context) => classifierGradientPenalty({ classifier: logitsOf, real: context.batch.real, labels: virtualLabels(context) }),
      r1: shareRealPenalties
        ? (context) => realPenalties(context).r1
        : (context) => r1Penalty({ discriminator: (x) => conditionalLogits({ adversarial: adversarialOf(x), labels: virtualLabels(context) }), real: context.batch.real }),
      r2: (context) => r2Penalty({ discriminator: (x) => conditionalLogits({ adversarial: adversarialOf(x), labels: context.batch.c }), fake: fake(context) }),
      cregFake: (context) => fakeClassifierGradientPenalty({ classifier: logitsOf, fake: fake(context), labels: context.batch.c }),
    };
    const weights: Readonly<Record<string, number>> = { adversarial: 1, cls: o.lambdaCls, creg: o.lambdaCreg, r1: o.lambdaR1, r2: o.lambdaR2, cregFake: o.lambdaCregFake };
    const penalties: readonly string[] = ['r1', 'creg', 'r2', 'cregFake'];
    const pick = (names: readonly string[]): Pick<Phase, 'terms' | 'weights' | 'intervals'> => ({
      terms: Object.fromEntries(names.map((name) => [name, terms[name] as Term])),
      weights: Object.fromEntries(names.map((name) => [name, weights[name] as number])),
      ...(penaltyInterval === 1 ? {} : { intervals: Object.fromEntries(names.filter((name) => penalties.includes(name)).map((name) => [name, penaltyInterval])) }),
    });
    const observe = (context: TermContext): Readonly<Record<string, tf.Tensor>> => ({ realProbabilities: tf.softmax(realLogits(context)) });
    const discriminatorTerms = separate ? ['adversarial', 'r1', 'r2'] : ['adversarial', ...CLASSIFIER_TERMS, 'r1', 'r2'];
    // The step reaches the phases with virtual labels only through the re-centring strength:
    // a plan serves the warm-up (strength 1) and the plain argmax after it (strength 0);
    // each step of the fade-out computes its own.
    const planKey = (step: number): string | null => {
      // Stryker disable next-line StringLiteral: equivalent: without re-centring every step gets this one key, and a plan key only has to tell plans apart.
      if (!o.recentre) return 'argmax';
      const strength = recentreStrength(step, warmupSteps, annealSteps);
      return strength === 1 ? 'recentred' : strength === 0 ? 'argmax' : null;
    };
    const phases: Phase[] = [{ name: 'discriminator', network: 'discriminator', ...pick(discriminatorTerms), ...(separate ? {} : { observe }), planKey }];
    if (separate) phases.push({ name: 'classifier', network: 'classifier', ...pick(CLASSIFIER_TERMS), observe, planKey });
    phases.push({
      name: 'generator',
      network: 'generator',
      planKey: stepIndependent,
      terms: { adversarial: (context) => caganGeneratorLoss({ fakeAdversarial: fakeAdversarial(context), fakeLabels: context.batch.c }, { adversarial: loss }) },
      weights: { adversarial: 1 },
    });

    return {
      networks: Q === undefined ? { discriminator: D, generator: G } : { discriminator: D, classifier: Q, generator: G },
      generator: 'generator',
      continuous: normalPrior(latentDim),
      categorical: categoricalPrior({ categories, rule: exponentialMovingAverage({ decay: o.priorDecay }) }),
      phases,
      classify: logitsOf,
      updatePrior: (observed, prior, step) => {
        const probabilities = observed.realProbabilities;
        if (probabilities === undefined) throw new Error('vcagan: no phase observed realProbabilities');
        // The warm-up freezes P(C) (CGPGAN code); the paper updates it from step 1.
        return warmingUp(step) ? prior : prior.update(observedRows(probabilities));
      },
    };
  },
};

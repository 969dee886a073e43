import * as tf from '@tensorflow/tfjs-core';
import { expectFinite, expectTensor, InvalidArgumentError } from '@gantry/backend';

/** Discriminator logits for real and fake samples: each of shape [batch] or [batch, 1]. */
export interface DiscriminatorLogits {
  readonly real: tf.Tensor;
  readonly fake: tf.Tensor;
}

/** Discriminator logits for fake samples: shape [batch] or [batch, 1]. */
export interface GeneratorLogits {
  readonly fake: tf.Tensor;
}

/**
 * An adversarial loss family as the pair (f_d, f_g) of the paper's Eqs. 4-5: both map
 * discriminator logits to a scalar to minimise, averaged over the batch.
 */
export interface AdversarialLoss {
  readonly name: string;
  /** f_d: the discriminator's loss (Eq. 4 with CAGAN logits). */
  discriminator(logits: DiscriminatorLogits): tf.Scalar;
  /** f_g: the generator's loss (Eq. 5 with CAGAN logits). */
  generator(logits: GeneratorLogits): tf.Scalar;
}

/**
 * A loss family by its per-sample terms: the discriminator minimises
 * mean(real(r)) + mean(fake(f)), the generator mean(generator(f)). Every common family
 * splits this way, so these three functions are all a new family needs.
 */
export interface AdversarialTerms {
  readonly real: (logits: tf.Tensor1D) => tf.Tensor;
  readonly fake: (logits: tf.Tensor1D) => tf.Tensor;
  readonly generator: (logits: tf.Tensor1D) => tf.Tensor;
}

function logitsOf(caller: string, argument: string, value: unknown): tf.Tensor1D {
  const tensor = expectTensor(caller, argument, value, { rank: [1, 2] });
  if (tensor.rank === 2 && tensor.shape[1] !== 1) {
    throw new InvalidArgumentError(caller, argument, 'of shape [batch] or [batch, 1]', `shape [${tensor.shape.join(', ')}]`);
  }
  if (tensor.shape[0] === 0) throw new InvalidArgumentError(caller, argument, 'a non-empty batch', 'shape [0]');
  return tf.reshape(tensor, [-1]);
}

/**
 * Builds an {@link AdversarialLoss} from per-sample terms, with Gantry's input checks
 * (shapes, finiteness) and no tensor left behind. Use it for a loss family of your own.
 */
export function defineAdversarialLoss(name: string, terms: AdversarialTerms): AdversarialLoss {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('defineAdversarialLoss', 'name', 'a non-empty string', JSON.stringify(name));
  for (const key of ['real', 'fake', 'generator'] as const) {
    if (typeof terms[key] !== 'function') throw new InvalidArgumentError('defineAdversarialLoss', `terms.${key}`, 'a function', terms[key] === null ? 'null' : typeof terms[key]);
  }
  const discriminatorCaller = `${name}.discriminator`;
  const generatorCaller = `${name}.generator`;
  return {
    name,
    discriminator(logits) {
      return tf.tidy(() => {
        const real = logitsOf(discriminatorCaller, 'logits.real', logits.real);
        const fake = logitsOf(discriminatorCaller, 'logits.fake', logits.fake);
        expectFinite(discriminatorCaller, { 'logits.real': real, 'logits.fake': fake });
        return tf.add(tf.mean(terms.real(real)), tf.mean(terms.fake(fake)));
      });
    },
    generator(logits) {
      return tf.tidy(() => {
        const fake = logitsOf(generatorCaller, 'logits.fake', logits.fake);
        expectFinite(generatorCaller, { 'logits.fake': fake });
        return tf.mean(terms.generator(fake));
      });
    },
  };
}

/**
 * Non-saturating logistic loss (Goodfellow et al. 2014), the paper's setting with R1:
 * f_d = softplus(−r) + softplus(f) = −log σ(r) − log(1 − σ(f)); f_g = softplus(−f) = −log σ(f).
 */
export const logisticLoss: AdversarialLoss = defineAdversarialLoss('logistic', {
  real: (r) => tf.softplus(tf.neg(r)),
  fake: (f) => tf.softplus(f),
  generator: (f) => tf.softplus(tf.neg(f)),
});

/**
 * The original minimax loss: f_d as {@link logisticLoss}; the generator minimises
 * log(1 − σ(f)) = −softplus(f), which saturates when the discriminator wins.
 */
export const minimaxLoss: AdversarialLoss = defineAdversarialLoss('minimax', {
  real: (r) => tf.softplus(tf.neg(r)),
  fake: (f) => tf.softplus(f),
  generator: (f) => tf.neg(tf.softplus(f)),
});

/** Hinge loss (Lim & Ye 2017; Miyato et al. 2018): f_d = relu(1 − r) + relu(1 + f); f_g = −f. */
export const hingeLoss: AdversarialLoss = defineAdversarialLoss('hinge', {
  real: (r) => tf.relu(tf.sub(1, r)),
  fake: (f) => tf.relu(tf.add(1, f)),
  generator: (f) => tf.neg(f),
});

/**
 * Wasserstein loss (Arjovsky et al. 2017): f_d = f − r; f_g = −f. Needs a Lipschitz
 * constraint on D, usually {@link wganGradientPenalty}.
 */
export const wassersteinLoss: AdversarialLoss = defineAdversarialLoss('wasserstein', {
  real: (r) => tf.neg(r),
  fake: (f) => f,
  generator: (f) => tf.neg(f),
});

/** Least-squares loss (Mao et al. 2017, targets a = 0, b = c = 1): f_d = ½(r − 1)² + ½f²; f_g = ½(f − 1)². */
export const leastSquaresLoss: AdversarialLoss = defineAdversarialLoss('least-squares', {
  real: (r) => tf.mul(0.5, tf.square(tf.sub(r, 1))),
  fake: (f) => tf.mul(0.5, tf.square(f)),
  generator: (f) => tf.mul(0.5, tf.square(tf.sub(f, 1))),
});

/** The built-in adversarial loss families by name. */
export const ADVERSARIAL_LOSSES = {
  logistic: logisticLoss,
  minimax: minimaxLoss,
  hinge: hingeLoss,
  wasserstein: wassersteinLoss,
  'least-squares': leastSquaresLoss,
} as const satisfies Readonly<Record<string, AdversarialLoss>>;

/** A built-in adversarial loss family's name. */
export type AdversarialLossName = keyof typeof ADVERSARIAL_LOSSES;

/** A built-in family's name or a pair of your own. */
export type AdversarialLossSpec = AdversarialLossName | AdversarialLoss;

/** Resolves a family name (`'logistic'`, `'hinge'`, ...) or checks and returns a pair of your own. */
export function adversarialLoss(spec: AdversarialLossSpec, caller = 'adversarialLoss', argument = 'spec'): AdversarialLoss {
  if (typeof spec === 'string') {
    const found = (ADVERSARIAL_LOSSES as Readonly<Record<string, AdversarialLoss>>)[spec];
    if (found === undefined) throw new InvalidArgumentError(caller, argument, `one of ${Object.keys(ADVERSARIAL_LOSSES).map((name) => `'${name}'`).join(', ')} or an AdversarialLoss`, `'${spec}'`);
    return found;
  }
  if (typeof spec !== 'object' || spec === null || typeof spec.discriminator !== 'function' || typeof spec.generator !== 'function') {
    throw new InvalidArgumentError(caller, argument, 'a loss name or an object with discriminator and generator functions', spec === null ? 'null' : typeof spec);
  }
  return spec;
}

import * as tf from '@tensorflow/tfjs-core';
import { enableHigherOrderGradients, expectFinite, expectNumber, expectTensor, formatShape, InvalidArgumentError, valueChecksEnabled } from '@gantry/backend';
import { argmaxOneHot, expectMatrix } from './conditional.js';

/** A network read as one number per sample: x ([batch, ...]) → [batch] or [batch, 1]. */
export type ScalarNetwork = (x: tf.Tensor) => tf.Tensor;

/** A classifier returning logits: x ([batch, ...]) → [batch, d_c]; Q(x) = softmax(logits). */
export type ClassifierNetwork = (x: tf.Tensor) => tf.Tensor;

function expectBatch(caller: string, argument: string, value: unknown): tf.Tensor {
  const x = expectTensor(caller, argument, value);
  if (x.rank < 2 || x.shape[0] === 0) throw new InvalidArgumentError(caller, argument, 'a batch of shape [batch, ...] with batch >= 1', `shape ${formatShape(x.shape)}`);
  return x;
}

function expectFunction(caller: string, argument: string, value: unknown): void {
  if (typeof value !== 'function') throw new InvalidArgumentError(caller, argument, 'a function of x', value === null ? 'null' : typeof value);
}

/** The per-sample output of `network` as [batch], checked against the batch of x. */
function perSample(caller: string, argument: string, output: unknown, batch: number): tf.Tensor1D {
  const tensor = expectTensor(caller, `the output of ${argument}`, output, { rank: [1, 2] });
  if (tensor.shape[0] !== batch || (tensor.rank === 2 && tensor.shape[1] !== 1)) {
    throw new InvalidArgumentError(caller, `the output of ${argument}`, `of shape [${batch}] or [${batch}, 1] (one value per sample)`, `shape ${formatShape(tensor.shape)}`);
  }
  return tf.reshape(tensor, [batch]);
}

/**
 * E_x ||∇x y(x)||²: the squared gradient norm of each sample's output with respect to
 * that sample, summed over all non-batch axes, averaged over the batch. The gradient is
 * taken of Σ_i y(x_i), which equals the per-sample gradients when the network treats
 * samples independently (no batch normalisation or minibatch statistics in it).
 * Differentiable with respect to the network's variables (second order).
 */
function meanSquaredInputGradient(y: (x: tf.Tensor) => tf.Tensor1D, x: tf.Tensor): tf.Scalar {
  enableHigherOrderGradients();
  const gradient = tf.grad((input: tf.Tensor) => tf.sum(y(input)))(x);
  return tf.div(tf.sum(tf.square(gradient)), x.shape[0] as number) as tf.Scalar;
}

/** The classifier's logits for x, checked to be one row per sample. */
function classifierLogits(caller: string, classifier: ClassifierNetwork, x: tf.Tensor, batch: number): tf.Tensor2D {
  const logits = expectTensor(caller, 'the output of classifier', classifier(x), { rank: 2 });
  if (logits.shape[0] !== batch) {
    throw new InvalidArgumentError(caller, 'the output of classifier', `of shape [${batch}, d_c] (one row of logits per sample)`, `shape ${formatShape(logits.shape)}`);
  }
  return logits as tf.Tensor2D;
}

/** Inputs of {@link r1Penalty}. */
export interface R1Inputs {
  /** The discriminator's logit per sample. VCAGAN: x ↦ D(x)·c_r with the virtual labels c_r held fixed. */
  readonly discriminator: ScalarNetwork;
  /** Real data, [batch, ...]. */
  readonly real: tf.Tensor;
}

/**
 * R1 (Mescheder et al. 2018): E_x~real ||∇x D(x)||², summed over the input's axes and
 * averaged over the batch. Gantry's penalties carry no ½: the weight multiplies this
 * value, so the paper's λ_r1 = 1.0 is weight 1, and Mescheder's γ corresponds to weight
 * γ/2. Second-order: enables {@link enableHigherOrderGradients} on first use.
 */
export function r1Penalty(inputs: R1Inputs): tf.Scalar {
  return discriminatorGradientPenalty('r1Penalty', inputs.discriminator, 'real', inputs.real);
}

/** R1 or R2: E ||∇x D(x)||² at the data in `argument`. */
function discriminatorGradientPenalty(caller: string, discriminator: ScalarNetwork, argument: string, data: tf.Tensor): tf.Scalar {
  expectFunction(caller, 'discriminator', discriminator);
  const x = expectBatch(caller, argument, data);
  return tf.tidy(() => {
    expectFinite(caller, { [argument]: x });
    return meanSquaredInputGradient((input) => perSample(caller, 'discriminator', discriminator(input), x.shape[0] as number), x);
  });
}

/** Inputs of {@link r2Penalty}. */
export interface R2Inputs {
  /** The discriminator's logit per sample. CAGAN/VCAGAN: x ↦ D(x)·c with the generation labels c. */
  readonly discriminator: ScalarNetwork;
  /** Fake data, [batch, ...]; treated as a constant input. */
  readonly fake: tf.Tensor;
}

/**
 * R2 (Mescheder et al. 2018): E_x~fake ||∇x D(x)||², the same scaling as {@link r1Penalty}
 * (no ½; Mescheder's γ is weight γ/2). The CGPGAN code of the paper's author uses it with
 * weight 1 in place of R1.
 */
export function r2Penalty(inputs: R2Inputs): tf.Scalar {
  return discriminatorGradientPenalty('r2Penalty', inputs.discriminator, 'fake', inputs.fake);
}

/** Inputs of {@link classifierGradientPenalty}. */
export interface ClassifierGradientPenaltyInputs {
  /** The classifier's logits: x ↦ [batch, d_c]. The penalty applies softmax. */
  readonly classifier: ClassifierNetwork;
  /** Real data, [batch, ...]. */
  readonly real: tf.Tensor;
  /**
   * The virtual labels argmax onehot(Q(x)), [batch, d_c], if already computed (Algorithm
   * 1, line 7). Omitted, they are computed from the same forward pass; the values agree.
   */
  readonly labels?: tf.Tensor;
}

/**
 * VCAGAN's classifier gradient penalty L_creg, Eq. 6 (Algorithm 1, line 9):
 * E_x ||∇x (Q(x)·argmax onehot(Q(x)))||², Q(x) = softmax(classifier(x)), the virtual
 * label held constant, the norm summed over the input's axes and averaged over the batch.
 * It penalises the slope of the classifier's winning probability, so decision boundaries
 * settle where the data is sparse over a wider region (Section 3). Second-order.
 */
export function classifierGradientPenalty(inputs: ClassifierGradientPenaltyInputs): tf.Scalar {
  const caller = 'classifierGradientPenalty';
  expectFunction(caller, 'classifier', inputs.classifier);
  const real = expectBatch(caller, 'real', inputs.real);
  const batch = real.shape[0] as number;
  return tf.tidy(() => {
    expectFinite(caller, { real });
    const winning = (x: tf.Tensor): tf.Tensor1D => {
      const logits = classifierLogits(caller, inputs.classifier, x, batch);
      const q = tf.softmax(logits);
      const labels = inputs.labels === undefined ? argmaxOneHot(q) : expectMatrix(caller, 'labels', inputs.labels, { name: 'the output of classifier', tensor: logits });
      // Stryker disable next-line UnaryOperator: equivalent: axis 1 is axis -1 of these rank-2 tensors.
      return tf.sum(tf.mul(q, labels), -1);
    };
    return meanSquaredInputGradient(winning, real);
  });
}

/** Inputs of {@link fakeClassifierGradientPenalty}. */
export interface FakeClassifierGradientPenaltyInputs {
  /** The classifier's logits: x ↦ [batch, d_c]. The penalty applies softmax. */
  readonly classifier: ClassifierNetwork;
  /** Generated data G(z, c), [batch, ...]; treated as a constant input. */
  readonly fake: tf.Tensor;
  /** c: the one-hot codes the fake data was generated with, [batch, d_c]. */
  readonly labels: tf.Tensor;
}

/**
 * The classifier gradient penalty on generated data, from the paper author's later CGPGAN
 * code (not the paper's text, whose Eq. 6 is on real data with the virtual label):
 * E_x' ||∇x' (1 − Q(x')·c)²||², Q = softmax(classifier), c the code G was given, the norm
 * summed over the input's axes and averaged over the batch. That code weights it 0.1.
 * Unlike Eq. 6 it needs no virtual label, so it does not depend on which category wins on
 * real data. Second-order.
 */
export function fakeClassifierGradientPenalty(inputs: FakeClassifierGradientPenaltyInputs): tf.Scalar {
  const caller = 'fakeClassifierGradientPenalty';
  expectFunction(caller, 'classifier', inputs.classifier);
  const fake = expectBatch(caller, 'fake', inputs.fake);
  const batch = fake.shape[0] as number;
  return tf.tidy(() => {
    expectFinite(caller, { fake });
    const missing = (x: tf.Tensor): tf.Tensor1D => {
      const logits = classifierLogits(caller, inputs.classifier, x, batch);
      const labels = expectMatrix(caller, 'labels', inputs.labels, { name: 'the output of classifier', tensor: logits });
      return tf.square(tf.sub(1, tf.sum(tf.mul(tf.softmax(logits), labels), -1))) as tf.Tensor1D;
    };
    return meanSquaredInputGradient(missing, fake);
  });
}

/** The two heads of an integrated discriminator + classifier D* for a batch x. */
export interface IntegratedOutputs {
  /** The adversarial vector a(x), [batch, d_c]. */
  readonly adversarial: tf.Tensor;
  /** The class logits, [batch, d_c]; Q(x) = softmax(logits). */
  readonly logits: tf.Tensor;
}

/** Inputs of {@link sharedRealPenalties}. */
export interface SharedRealPenaltiesInputs {
  /** D*: x ([batch, ...]) ↦ its two heads, each [batch, d_c]. */
  readonly network: (x: tf.Tensor) => IntegratedOutputs;
  /** Real data, [batch, ...]; treated as a constant input. */
  readonly real: tf.Tensor;
  /** The virtual labels c_r, one-hot [batch, d_c], held fixed. */
  readonly labels: tf.Tensor;
}

/**
 * VCAGAN's two penalties on real data with one forward and one backward pass of D*:
 * `r1` = E||∇x (a(x)·c_r)||² ({@link r1Penalty} on the CAGAN logit) and `creg` =
 * E||∇x (Q(x)·c_r)||² (Eq. 6, {@link classifierGradientPenalty}). Computed separately,
 * they cost two forward passes and two backward passes, and their weight gradients two
 * double-backward passes. Here the batch is stacked twice, the first copy read through the
 * adversarial head and the second through the classifier head: the samples do not
 * interact (no batch statistics in D*), so the input gradient of the sum holds each
 * sample's gradient of each penalty. The values equal the separate functions' up to float
 * rounding (tested); the step runs about a third fewer kernels in the discriminator phase.
 */
export function sharedRealPenalties(inputs: SharedRealPenaltiesInputs): { readonly r1: tf.Scalar; readonly creg: tf.Scalar } {
  const caller = 'sharedRealPenalties';
  expectFunction(caller, 'network', inputs.network);
  const real = expectBatch(caller, 'real', inputs.real);
  const batch = real.shape[0] as number;
  const labels = expectTensor(caller, 'labels', inputs.labels, { rank: 2 });
  if (labels.shape[0] !== batch) throw new InvalidArgumentError(caller, 'labels', `[${batch}, d_c] (one row per sample of real)`, `shape ${formatShape(labels.shape)}`);
  return tf.tidy(() => {
    expectFinite(caller, { real });
    enableHigherOrderGradients();
    const stackedLabels = tf.concat([labels, labels], 0);
    // 1 on the rows read through the adversarial head, 0 on those read through the classifier.
    const adversarialRows = tf.concat([tf.ones([batch]), tf.zeros([batch])]);
    const classifierRows = tf.sub(1, adversarialRows);
    const gradient = tf.grad((input: tf.Tensor) => {
      const outputs = inputs.network(input);
      const adversarial = expectTensor(caller, 'the adversarial output of network', outputs.adversarial, { shape: stackedLabels.shape, shapeSource: 'matching labels, stacked twice' });
      const logits = expectTensor(caller, 'the logits output of network', outputs.logits, { shape: stackedLabels.shape, shapeSource: 'matching labels, stacked twice' });
      // Stryker disable next-line UnaryOperator: equivalent: axis 1 is axis -1 of these rank-2 tensors.
      const logit = tf.sum(tf.mul(adversarial, stackedLabels), -1);
      // Stryker disable next-line UnaryOperator: equivalent: axis 1 is axis -1 of these rank-2 tensors.
      const winning = tf.sum(tf.mul(tf.softmax(logits), stackedLabels), -1);
      return tf.sum(tf.add(tf.mul(logit, adversarialRows), tf.mul(winning, classifierRows)));
    })(tf.concat([real, real], 0));
    const flat = tf.reshape(gradient, [2 * batch, -1]);
    // Stryker disable next-line UnaryOperator: equivalent: axis 1 is axis -1 of these rank-2 tensors.
    const squares = tf.sum(tf.square(flat), -1);
    return {
      r1: tf.div(tf.sum(tf.mul(squares, adversarialRows)), batch) as tf.Scalar,
      creg: tf.div(tf.sum(tf.mul(squares, classifierRows)), batch) as tf.Scalar,
    };
  });
}

/** Inputs of {@link wganGradientPenalty}. */
export interface WganGradientPenaltyInputs {
  /** The critic's value per sample. */
  readonly discriminator: ScalarNetwork;
  /** Real data, [batch, ...]. */
  readonly real: tf.Tensor;
  /** Fake data, the same shape as `real`. */
  readonly fake: tf.Tensor;
  /** Interpolation weights α in [0, 1], [batch]: draw them with `random.uniform([batch])`. */
  readonly alpha: tf.Tensor;
}

/** Options of {@link wganGradientPenalty}. */
export interface WganGradientPenaltyOptions {
  /** The gradient norm the penalty pulls towards. Default 1 (Gulrajani et al. 2017). */
  readonly target?: number;
}

/**
 * WGAN-GP (Gulrajani et al. 2017): E (||∇x̂ D(x̂)||₂ − target)² at x̂ = α·real + (1 − α)·fake,
 * one α per sample. The norm is sqrt(Σ g² + 1e-12): the 1e-12 keeps the gradient of the
 * norm finite where D is flat. Usual weight: 10.
 */
export function wganGradientPenalty(inputs: WganGradientPenaltyInputs, options: WganGradientPenaltyOptions = {}): tf.Scalar {
  const caller = 'wganGradientPenalty';
  expectFunction(caller, 'discriminator', inputs.discriminator);
  const target = expectNumber(caller, 'options.target', options.target ?? 1, { min: 0 });
  const real = expectBatch(caller, 'real', inputs.real);
  const fake = expectTensor(caller, 'fake', inputs.fake, { shape: real.shape, shapeSource: 'matching real' });
  const batch = real.shape[0] as number;
  const alpha = expectTensor(caller, 'alpha', inputs.alpha, { shape: [batch], shapeSource: 'one weight per sample of real' });
  return tf.tidy(() => {
    expectFinite(caller, { real, fake, alpha });
    if (valueChecksEnabled()) {
      const [low, high] = tf.stack([tf.min(alpha), tf.max(alpha)]).dataSync() as Float32Array;
      if ((low as number) < 0 || (high as number) > 1) throw new InvalidArgumentError(caller, 'alpha', 'in [0, 1]', `values from ${low} to ${high}`);
    }
    const weights = tf.reshape(alpha, [batch, ...real.shape.slice(1).map(() => 1)]);
    const interpolated = tf.add(tf.mul(weights, real), tf.mul(tf.sub(1, weights), fake));
    enableHigherOrderGradients();
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(perSample(caller, 'discriminator', inputs.discriminator(input), batch)))(interpolated);
    const flat = tf.reshape(gradient, [batch, -1]);
    // Stryker disable next-line UnaryOperator: equivalent: axis 1 is axis -1 of these rank-2 tensors.
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(flat), -1), 1e-12));
    return tf.mean(tf.square(tf.sub(norms, target)));
  });
}

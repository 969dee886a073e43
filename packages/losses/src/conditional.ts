import * as tf from '@tensorflow/tfjs-core';
import { expectFinite, expectNumber, expectTensor, formatShape, InvalidArgumentError } from '@gantry/backend';
import { adversarialLoss, type AdversarialLossSpec } from './adversarial.js';

/** Options of the CAGAN losses. */
export interface ConditionalLossOptions {
  /** The adversarial family (f_d, f_g). Default `'logistic'`, the paper's. */
  readonly adversarial?: AdversarialLossSpec;
}

/** Checks a [batch, width] float32 matrix; `like` fixes both sizes. */
export function expectMatrix(caller: string, argument: string, value: unknown, like?: { readonly name: string; readonly tensor: tf.Tensor }): tf.Tensor2D {
  if (like === undefined) {
    const tensor = expectTensor(caller, argument, value, { rank: 2 });
    if (tensor.shape[0] === 0) throw new InvalidArgumentError(caller, argument, 'a non-empty batch', `shape ${formatShape(tensor.shape)}`);
    return tensor as tf.Tensor2D;
  }
  return expectTensor(caller, argument, value, { shape: like.tensor.shape, shapeSource: `matching ${like.name}` }) as tf.Tensor2D;
}

/**
 * The CAGAN logit a·c (Cho & Yoon 2020; the "·" of Eqs. 4-6): the discriminator's
 * adversarial vector `adversarial` ([batch, d_c]) dotted with the label `labels` ([batch,
 * d_c], one-hot or soft), row by row. Returns shape [batch].
 */
export function conditionalLogits(inputs: { readonly adversarial: tf.Tensor; readonly labels: tf.Tensor }, caller = 'conditionalLogits'): tf.Tensor1D {
  return tf.tidy(() => {
    const adversarial = expectMatrix(caller, 'adversarial', inputs.adversarial);
    const labels = expectMatrix(caller, 'labels', inputs.labels, { name: 'adversarial', tensor: adversarial });
    // Stryker disable next-line UnaryOperator: equivalent: axis 1 is axis -1 of these rank-2 tensors.
    return tf.sum(tf.mul(adversarial, labels), -1);
  });
}

/**
 * The virtual label argmax onehot(q) (Algorithm 1, line 7): 1 at each row's largest entry,
 * 0 elsewhere (the first of tied entries wins). `q` is [batch, d_c] classifier
 * probabilities or logits (same argmax). The result is a constant for differentiation:
 * its gradient with respect to `q` is zero.
 */
export function argmaxOneHot(q: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const probabilities = expectMatrix('argmaxOneHot', 'q', q);
    const width = probabilities.shape[1];
    if (width === 1) return tf.onesLike(probabilities);
    // Cast rather than oneHot(..., 'float32'): the wasm kernel ignores the dtype and writes
    // int32 bit patterns into the float buffer (1 reads as 1.4e-45), in TF.js 4.22.
    return tf.cast(tf.oneHot(tf.argMax(probabilities, -1), width), 'float32') as tf.Tensor2D;
  });
}

/**
 * Balanced virtual labels, from the paper author's later CGPGAN code (its prior warm-up):
 * argmax onehot(q − mean_batch(q) + 1/d_c), with q = [batch, d_c] classifier
 * probabilities (softmax outputs, not logits). Subtracting each category's batch mean
 * favours the categories the batch under-uses, so every category keeps winning some real
 * samples, and none loses all its real data while the classifier is still untrained.
 * A constant for differentiation, like {@link argmaxOneHot}.
 *
 * `strength` s in [0, 1] subtracts s·mean_batch(q) instead (Gantry's, for a gradual end of
 * the warm-up): 1 is the CGPGAN code's re-centring, 0 the plain argmax of Algorithm 1.
 */
export function recentredArgmaxOneHot(q: tf.Tensor, strength = 1): tf.Tensor2D {
  const s = expectNumber('recentredArgmaxOneHot', 'strength', strength, { min: 0, max: 1 });
  return tf.tidy(() => {
    const probabilities = expectMatrix('recentredArgmaxOneHot', 'q', q);
    const width = probabilities.shape[1];
    // Stryker disable next-line BooleanLiteral: equivalent: a mean of shape [d_c] broadcasts against the [batch, d_c] rows as [1, d_c] does.
    const mean = tf.mean(probabilities, 0, true);
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: equivalent: mean·1 is mean exactly, and argmax does not move when every entry is shifted by the same constant (1/d_c keeps the rows near probabilities).
    return argmaxOneHot(tf.add(tf.sub(probabilities, s === 1 ? mean : tf.mul(mean, s)), 1 / width));
  });
}

/** Inputs of {@link caganDiscriminatorLoss}. */
export interface CaganDiscriminatorInputs {
  /** D(x): the adversarial vectors of real data, [batch, d_c]. */
  readonly realAdversarial: tf.Tensor;
  /** The labels of real data, [batch, d_c]: VCAGAN's virtual labels argmax onehot(Q(x)), or dataset labels in supervised CAGAN. */
  readonly realLabels: tf.Tensor;
  /** D(G(z, c)): the adversarial vectors of fake data, [fakeBatch, d_c]. */
  readonly fakeAdversarial: tf.Tensor;
  /** c: the labels the fake data was generated with, [fakeBatch, d_c]. */
  readonly fakeLabels: tf.Tensor;
}

/**
 * The CAGAN discriminator loss, Eq. 4: f_d(D(x)·c_r, D(G(z, c))·c), with c_r the real
 * labels (VCAGAN: argmax onehot(Q(x)), Algorithm 1 line 10).
 */
export function caganDiscriminatorLoss(inputs: CaganDiscriminatorInputs, options: ConditionalLossOptions = {}): tf.Scalar {
  const caller = 'caganDiscriminatorLoss';
  const loss = adversarialLoss(options.adversarial ?? 'logistic', caller, 'options.adversarial');
  return tf.tidy(() => {
    const realAdversarial = expectMatrix(caller, 'realAdversarial', inputs.realAdversarial);
    const realLabels = expectMatrix(caller, 'realLabels', inputs.realLabels, { name: 'realAdversarial', tensor: realAdversarial });
    const fakeAdversarial = expectTensor(caller, 'fakeAdversarial', inputs.fakeAdversarial, {
      shape: [null, realAdversarial.shape[1]],
      shapeSource: 'the width of realAdversarial',
    }) as tf.Tensor2D;
    const fakeLabels = expectMatrix(caller, 'fakeLabels', inputs.fakeLabels, { name: 'fakeAdversarial', tensor: fakeAdversarial });
    expectFinite(caller, { realAdversarial, realLabels, fakeAdversarial, fakeLabels });
    return loss.discriminator({
      real: conditionalLogits({ adversarial: realAdversarial, labels: realLabels }, caller),
      fake: conditionalLogits({ adversarial: fakeAdversarial, labels: fakeLabels }, caller),
    });
  });
}

/** Inputs of {@link caganGeneratorLoss}. */
export interface CaganGeneratorInputs {
  /** D(G(z, c)): [batch, d_c]. */
  readonly fakeAdversarial: tf.Tensor;
  /** c: [batch, d_c]. */
  readonly fakeLabels: tf.Tensor;
}

/**
 * The CAGAN generator loss, Eq. 5 (and Eq. 8: VCAGAN's whole generator loss):
 * f_g(D(G(z, c))·c). No classification term: in VCAGAN the generator never sees L_cls.
 */
export function caganGeneratorLoss(inputs: CaganGeneratorInputs, options: ConditionalLossOptions = {}): tf.Scalar {
  const caller = 'caganGeneratorLoss';
  const loss = adversarialLoss(options.adversarial ?? 'logistic', caller, 'options.adversarial');
  return tf.tidy(() => {
    const fakeAdversarial = expectMatrix(caller, 'fakeAdversarial', inputs.fakeAdversarial);
    const fakeLabels = expectMatrix(caller, 'fakeLabels', inputs.fakeLabels, { name: 'fakeAdversarial', tensor: fakeAdversarial });
    expectFinite(caller, { fakeAdversarial, fakeLabels });
    return loss.generator({ fake: conditionalLogits({ adversarial: fakeAdversarial, labels: fakeLabels }, caller) });
  });
}

import * as tf from '@tensorflow/tfjs-core';
import { expectFinite, expectProbabilityRows, valueChecksEnabled } from '@gantry/backend';
import { expectMatrix } from './conditional.js';

/** Labels and the classifier's logits for them. */
export interface ClassificationInputs {
  /** c: one-hot or soft labels, [batch, d_c]; each row a probability vector. */
  readonly labels: tf.Tensor;
  /** The classifier's logits (Q(x) = softmax(logits)), [batch, d_c]. */
  readonly logits: tf.Tensor;
}

function crossEntropy(caller: string, names: readonly [labels: string, logits: string], labelsValue: unknown, logitsValue: unknown): tf.Scalar {
  const [labelsName, logitsName] = names;
  const logits = expectMatrix(caller, logitsName, logitsValue);
  const labels = expectMatrix(caller, labelsName, labelsValue, { name: logitsName, tensor: logits });
  expectFinite(caller, { [logitsName]: logits, [labelsName]: labels });
  if (valueChecksEnabled()) expectProbabilityRows(caller, labelsName, labels.dataSync(), labels.shape);
  // logSoftmax rather than log(softmax): finite for any finite logits.
  return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/**
 * Cross-entropy of labels under the classifier, E[−Σ_k c_k log Q(x)_k] with
 * Q(x) = softmax(logits), averaged over the batch. With fake data and the labels it was
 * generated from, this is the paper's L_cls (Eq. 1; Algorithm 1, line 8), which trains
 * only the classifier in VCAGAN (Eq. 7), and InfoGAN's mutual-information term for a
 * categorical code (the lower bound −L_cls + H(C); H(C) is constant for a fixed prior),
 * which trains both networks (Eqs. 2-3).
 */
export function classificationLoss(inputs: ClassificationInputs): tf.Scalar {
  return tf.tidy(() => crossEntropy('classificationLoss', ['labels', 'logits'], inputs.labels, inputs.logits));
}

/** Inputs of {@link acganClassifierLoss}. */
export interface AcganClassifierInputs {
  /** Dataset labels of the real batch, [batch, d_c]. */
  readonly realLabels: tf.Tensor;
  /** The classifier's logits for the real batch, [batch, d_c]. */
  readonly realLogits: tf.Tensor;
  /** The labels the fake batch was generated from, [fakeBatch, d_c]. */
  readonly fakeLabels: tf.Tensor;
  /** The classifier's logits for the fake batch, [fakeBatch, d_c]. */
  readonly fakeLogits: tf.Tensor;
}

/**
 * ACGAN's auxiliary classifier loss for the discriminator (Odena et al. 2017): the
 * cross-entropy of the dataset labels on real data plus that of the generated labels on
 * fake data, each averaged over its batch. ACGAN's generator minimises the fake part
 * alone: {@link classificationLoss} on fake data.
 */
export function acganClassifierLoss(inputs: AcganClassifierInputs): tf.Scalar {
  const caller = 'acganClassifierLoss';
  return tf.tidy(() => {
    const real = crossEntropy(caller, ['realLabels', 'realLogits'], inputs.realLabels, inputs.realLogits);
    const fake = crossEntropy(caller, ['fakeLabels', 'fakeLogits'], inputs.fakeLabels, inputs.fakeLogits);
    return tf.add(real, fake);
  });
}

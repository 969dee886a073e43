import * as tf from '@tensorflow/tfjs-core';
import { setValueChecks } from '@gantry/backend';
import { countDeviceReads, invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as losses from './index.js';

// The cases pass what a user's JavaScript could pass: wrong types on purpose, so the
// package is called untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const L = losses as any;
const t = (shape: number[], value = 0.1): tf.Tensor => tf.fill(shape, value);
const nan = (shape: number[]): tf.Tensor => tf.fill(shape, Number.NaN);
/** A discriminator: one value per sample. */
const D = (x: tf.Tensor): tf.Tensor => tf.sum(tf.reshape(x, [x.shape[0] as number, -1]), -1);
/** A classifier of two categories. */
const C = (x: tf.Tensor): tf.Tensor => tf.concat([tf.reshape(D(x), [-1, 1]), tf.zeros([x.shape[0] as number, 1])], 1);
/** D*: both heads. */
const N = (x: tf.Tensor): { adversarial: tf.Tensor; logits: tf.Tensor } => ({ adversarial: C(x), logits: C(x) });
const terms = { real: (r: tf.Tensor): tf.Tensor => r, fake: (f: tf.Tensor): tf.Tensor => f, generator: (f: tf.Tensor): tf.Tensor => f };

// Every argument check of the package, with the one line a user reads: the function, the
// argument, what was expected and what came (the messages are the interface).
describe('losses: every mistake gets its own line', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const cases: [string, () => unknown, string][] = [
    ["logistic.discriminator real rank 3", (): unknown => L.logisticLoss.discriminator({ real: t([2, 1, 1]), fake: t([2]) }), "logistic.discriminator: logits.real must be of rank 1 or 2, got shape [2, 1, 1] (rank 3)."],
    ["logistic.discriminator real [4, 2]", (): unknown => L.logisticLoss.discriminator({ real: t([4, 2]), fake: t([4]) }), "logistic.discriminator: logits.real must be of shape [batch] or [batch, 1], got shape [4, 2]."],
    ["logistic.discriminator fake [0]", (): unknown => L.logisticLoss.discriminator({ real: t([2]), fake: t([0]) }), "logistic.discriminator: logits.fake must be a non-empty batch, got shape [0]."],
    ["logistic.discriminator real NaN", (): unknown => L.logisticLoss.discriminator({ real: nan([2]), fake: t([2]) }), "logistic.discriminator: logits.real must be finite, got NaN at index [0] (2 non-finite of 2)."],
    ["hinge.generator fake [3, 2]", (): unknown => L.hingeLoss.generator({ fake: t([3, 2]) }), "hinge.generator: logits.fake must be of shape [batch] or [batch, 1], got shape [3, 2]."],
    ["hinge.generator fake NaN", (): unknown => L.hingeLoss.generator({ fake: nan([3, 1]) }), "hinge.generator: logits.fake must be finite, got NaN at index [0] (3 non-finite of 3)."],
    ["wasserstein.generator fake a number", (): unknown => L.wassersteinLoss.generator({ fake: 3 }), "wasserstein.generator: logits.fake must be a tf.Tensor, got number."],
    ["defineAdversarialLoss name empty", (): unknown => L.defineAdversarialLoss('', terms), "defineAdversarialLoss: name must be a non-empty string, got \"\"."],
    ["defineAdversarialLoss name 5", (): unknown => L.defineAdversarialLoss(5, terms), "defineAdversarialLoss: name must be a non-empty string, got 5."],
    ["defineAdversarialLoss real missing", (): unknown => L.defineAdversarialLoss('mine', { ...terms, real: undefined }), "defineAdversarialLoss: terms.real must be a function, got undefined."],
    ["defineAdversarialLoss fake 1", (): unknown => L.defineAdversarialLoss('mine', { ...terms, fake: 1 }), "defineAdversarialLoss: terms.fake must be a function, got number."],
    ["defineAdversarialLoss generator null", (): unknown => L.defineAdversarialLoss('mine', { ...terms, generator: null }), "defineAdversarialLoss: terms.generator must be a function, got null."],
    ["mine.discriminator real [2, 3]", (): unknown => L.defineAdversarialLoss('mine', terms).discriminator({ real: t([2, 3]), fake: t([2]) }), "mine.discriminator: logits.real must be of shape [batch] or [batch, 1], got shape [2, 3]."],
    ["adversarialLoss nope", (): unknown => L.adversarialLoss('nope'), "adversarialLoss: spec must be one of 'logistic', 'minimax', 'hinge', 'wasserstein', 'least-squares' or an AdversarialLoss, got 'nope'."],
    ["adversarialLoss null", (): unknown => L.adversarialLoss(null), "adversarialLoss: spec must be a loss name or an object with discriminator and generator functions, got null."],
    ["adversarialLoss 5", (): unknown => L.adversarialLoss(5), "adversarialLoss: spec must be a loss name or an object with discriminator and generator functions, got number."],
    ["adversarialLoss without generator", (): unknown => L.adversarialLoss({ discriminator: () => 0 }), "adversarialLoss: spec must be a loss name or an object with discriminator and generator functions, got object."],
    ["adversarialLoss without discriminator", (): unknown => L.adversarialLoss({ generator: () => 0 }), "adversarialLoss: spec must be a loss name or an object with discriminator and generator functions, got object."],
    // A function is not the object the check asks for, even one carrying both terms.
    ["adversarialLoss function with both terms", (): unknown => L.adversarialLoss(Object.assign(() => 0, { discriminator: () => 0, generator: () => 0 })), "adversarialLoss: spec must be a loss name or an object with discriminator and generator functions, got function."],
    ["adversarialLoss caller and argument", (): unknown => L.adversarialLoss('nope', 'vcagan', 'options.adversarialLoss'), "vcagan: options.adversarialLoss must be one of 'logistic', 'minimax', 'hinge', 'wasserstein', 'least-squares' or an AdversarialLoss, got 'nope'."],
    ["r1Penalty discriminator 5", (): unknown => L.r1Penalty({ discriminator: 5, real: t([2, 2]) }), "r1Penalty: discriminator must be a function of x, got number."],
    ["r1Penalty real [3]", (): unknown => L.r1Penalty({ discriminator: D, real: t([3]) }), "r1Penalty: real must be a batch of shape [batch, ...] with batch >= 1, got shape [3]."],
    ["r1Penalty real [0, 2]", (): unknown => L.r1Penalty({ discriminator: D, real: t([0, 2]) }), "r1Penalty: real must be a batch of shape [batch, ...] with batch >= 1, got shape [0, 2]."],
    ["r1Penalty real a number", (): unknown => L.r1Penalty({ discriminator: D, real: 2 }), "r1Penalty: real must be a tf.Tensor, got number."],
    ["r1Penalty real NaN", (): unknown => L.r1Penalty({ discriminator: D, real: nan([2, 2]) }), "r1Penalty: real must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["r1Penalty output [2, 2]", (): unknown => L.r1Penalty({ discriminator: (x: tf.Tensor) => tf.mul(x, 2), real: t([2, 2]) }), "r1Penalty: the output of discriminator must be of shape [2] or [2, 1] (one value per sample), got shape [2, 2]."],
    ["r1Penalty output [3]", (): unknown => L.r1Penalty({ discriminator: () => tf.zeros([3]), real: t([2, 2]) }), "r1Penalty: the output of discriminator must be of shape [2] or [2, 1] (one value per sample), got shape [3]."],
    ["r1Penalty output rank 3", (): unknown => L.r1Penalty({ discriminator: () => tf.zeros([2, 1, 1]), real: t([2, 2]) }), "r1Penalty: the output of discriminator must be of rank 1 or 2, got shape [2, 1, 1] (rank 3)."],
    ["r2Penalty discriminator missing", (): unknown => L.r2Penalty({ fake: t([2, 2]) }), "r2Penalty: discriminator must be a function of x, got undefined."],
    ["r2Penalty fake [2]", (): unknown => L.r2Penalty({ discriminator: D, fake: t([2]) }), "r2Penalty: fake must be a batch of shape [batch, ...] with batch >= 1, got shape [2]."],
    ["r2Penalty fake NaN", (): unknown => L.r2Penalty({ discriminator: D, fake: nan([2, 3]) }), "r2Penalty: fake must be finite, got NaN at index [0, 0] (6 non-finite of 6)."],
    ["classifierGradientPenalty classifier x", (): unknown => L.classifierGradientPenalty({ classifier: 'x', real: t([2, 2]) }), "classifierGradientPenalty: classifier must be a function of x, got string."],
    ["classifierGradientPenalty real [0, 2]", (): unknown => L.classifierGradientPenalty({ classifier: C, real: t([0, 2]) }), "classifierGradientPenalty: real must be a batch of shape [batch, ...] with batch >= 1, got shape [0, 2]."],
    ["classifierGradientPenalty real NaN", (): unknown => L.classifierGradientPenalty({ classifier: C, real: nan([2, 2]) }), "classifierGradientPenalty: real must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["classifierGradientPenalty output rank 1", (): unknown => L.classifierGradientPenalty({ classifier: D, real: t([2, 2]) }), "classifierGradientPenalty: the output of classifier must be of rank 2, got shape [2] (rank 1)."],
    ["classifierGradientPenalty output rows", (): unknown => L.classifierGradientPenalty({ classifier: () => tf.zeros([3, 2]), real: t([2, 2]) }), "classifierGradientPenalty: the output of classifier must be of shape [2, d_c] (one row of logits per sample), got shape [3, 2]."],
    ["classifierGradientPenalty labels shape", (): unknown => L.classifierGradientPenalty({ classifier: C, real: t([2, 2]), labels: t([2, 3]) }), "classifierGradientPenalty: labels must be of shape [2, 2] (matching the output of classifier), got shape [2, 3]."],
    ["fakeClassifierGradientPenalty classifier null", (): unknown => L.fakeClassifierGradientPenalty({ classifier: null, fake: t([2, 2]), labels: t([2, 2]) }), "fakeClassifierGradientPenalty: classifier must be a function of x, got null."],
    ["fakeClassifierGradientPenalty fake [2]", (): unknown => L.fakeClassifierGradientPenalty({ classifier: C, fake: t([2]), labels: t([2, 2]) }), "fakeClassifierGradientPenalty: fake must be a batch of shape [batch, ...] with batch >= 1, got shape [2]."],
    ["fakeClassifierGradientPenalty fake NaN", (): unknown => L.fakeClassifierGradientPenalty({ classifier: C, fake: nan([2, 2]), labels: t([2, 2]) }), "fakeClassifierGradientPenalty: fake must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["fakeClassifierGradientPenalty labels [3, 2]", (): unknown => L.fakeClassifierGradientPenalty({ classifier: C, fake: t([2, 2]), labels: t([3, 2]) }), "fakeClassifierGradientPenalty: labels must be of shape [2, 2] (matching the output of classifier), got shape [3, 2]."],
    ["fakeClassifierGradientPenalty output rows", (): unknown => L.fakeClassifierGradientPenalty({ classifier: () => tf.zeros([1, 2]), fake: t([2, 2]), labels: t([2, 2]) }), "fakeClassifierGradientPenalty: the output of classifier must be of shape [2, d_c] (one row of logits per sample), got shape [1, 2]."],
    ["sharedRealPenalties network 1", (): unknown => L.sharedRealPenalties({ network: 1, real: t([2, 2]), labels: t([2, 2]) }), "sharedRealPenalties: network must be a function of x, got number."],
    ["sharedRealPenalties real [2]", (): unknown => L.sharedRealPenalties({ network: N, real: t([2]), labels: t([2, 2]) }), "sharedRealPenalties: real must be a batch of shape [batch, ...] with batch >= 1, got shape [2]."],
    ["sharedRealPenalties labels rank 1", (): unknown => L.sharedRealPenalties({ network: N, real: t([2, 2]), labels: t([2]) }), "sharedRealPenalties: labels must be of rank 2, got shape [2] (rank 1)."],
    ["sharedRealPenalties labels rows", (): unknown => L.sharedRealPenalties({ network: N, real: t([2, 2]), labels: t([3, 2]) }), "sharedRealPenalties: labels must be [2, d_c] (one row per sample of real), got shape [3, 2]."],
    ["sharedRealPenalties real NaN", (): unknown => L.sharedRealPenalties({ network: N, real: nan([2, 2]), labels: t([2, 2]) }), "sharedRealPenalties: real must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["sharedRealPenalties adversarial shape", (): unknown => L.sharedRealPenalties({ network: (x: tf.Tensor) => ({ adversarial: tf.zeros([x.shape[0], 3]), logits: C(x) }), real: t([2, 2]), labels: t([2, 2]) }), "sharedRealPenalties: the adversarial output of network must be of shape [4, 2] (matching labels, stacked twice), got shape [4, 3]."],
    ["sharedRealPenalties logits shape", (): unknown => L.sharedRealPenalties({ network: (x: tf.Tensor) => ({ adversarial: C(x), logits: tf.zeros([2, 2]) }), real: t([2, 2]), labels: t([2, 2]) }), "sharedRealPenalties: the logits output of network must be of shape [4, 2] (matching labels, stacked twice), got shape [2, 2]."],
    ["wganGradientPenalty discriminator missing", (): unknown => L.wganGradientPenalty({ real: t([2, 2]), fake: t([2, 2]), alpha: t([2]) }), "wganGradientPenalty: discriminator must be a function of x, got undefined."],
    ["wganGradientPenalty target -1", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2]), alpha: t([2]) }, { target: -1 }), "wganGradientPenalty: options.target must be a finite number >= 0, got -1."],
    ["wganGradientPenalty real [2]", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2]), fake: t([2]), alpha: t([2]) }), "wganGradientPenalty: real must be a batch of shape [batch, ...] with batch >= 1, got shape [2]."],
    ["wganGradientPenalty fake shape", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 3]), alpha: t([2]) }), "wganGradientPenalty: fake must be of shape [2, 2] (matching real), got shape [2, 3]."],
    ["wganGradientPenalty alpha shape", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2]), alpha: t([3]) }), "wganGradientPenalty: alpha must be of shape [2] (one weight per sample of real), got shape [3]."],
    ["wganGradientPenalty alpha 1.5", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2]), alpha: tf.tensor1d([0.5, 1.5]) }), "wganGradientPenalty: alpha must be in [0, 1], got values from 0.5 to 1.5."],
    ["wganGradientPenalty alpha -0.5", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2]), alpha: tf.tensor1d([-0.5, 0.5]) }), "wganGradientPenalty: alpha must be in [0, 1], got values from -0.5 to 0.5."],
    ["wganGradientPenalty fake NaN", (): unknown => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: nan([2, 2]), alpha: t([2]) }), "wganGradientPenalty: fake must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["wganGradientPenalty output shape", (): unknown => L.wganGradientPenalty({ discriminator: () => tf.zeros([2, 2]), real: t([2, 2]), fake: t([2, 2]), alpha: t([2]) }), "wganGradientPenalty: the output of discriminator must be of shape [2] or [2, 1] (one value per sample), got shape [2, 2]."],
    ["conditionalLogits adversarial rank 1", (): unknown => L.conditionalLogits({ adversarial: t([2]), labels: t([2]) }), "conditionalLogits: adversarial must be of rank 2, got shape [2] (rank 1)."],
    ["conditionalLogits adversarial [0, 2]", (): unknown => L.conditionalLogits({ adversarial: t([0, 2]), labels: t([0, 2]) }), "conditionalLogits: adversarial must be a non-empty batch, got shape [0, 2]."],
    ["conditionalLogits labels mismatch", (): unknown => L.conditionalLogits({ adversarial: t([2, 2]), labels: t([2, 3]) }), "conditionalLogits: labels must be of shape [2, 2] (matching adversarial), got shape [2, 3]."],
    ["argmaxOneHot q rank 1", (): unknown => L.argmaxOneHot(t([3])), "argmaxOneHot: q must be of rank 2, got shape [3] (rank 1)."],
    ["recentredArgmaxOneHot strength 2", (): unknown => L.recentredArgmaxOneHot(t([2, 2]), 2), "recentredArgmaxOneHot: strength must be a finite number in [0, 1], got 2."],
    ["recentredArgmaxOneHot strength -0.1", (): unknown => L.recentredArgmaxOneHot(t([2, 2]), -0.1), "recentredArgmaxOneHot: strength must be a finite number in [0, 1], got -0.1."],
    ["recentredArgmaxOneHot q rank 3", (): unknown => L.recentredArgmaxOneHot(t([2, 2, 1])), "recentredArgmaxOneHot: q must be of rank 2, got shape [2, 2, 1] (rank 3)."],
    ["caganDiscriminatorLoss adversarial nope", (): unknown => L.caganDiscriminatorLoss({ realAdversarial: t([2, 2]), realLabels: t([2, 2]), fakeAdversarial: t([2, 2]), fakeLabels: t([2, 2]) }, { adversarial: 'nope' }), "caganDiscriminatorLoss: options.adversarial must be one of 'logistic', 'minimax', 'hinge', 'wasserstein', 'least-squares' or an AdversarialLoss, got 'nope'."],
    ["caganDiscriminatorLoss realAdversarial rank 3", (): unknown => L.caganDiscriminatorLoss({ realAdversarial: t([2, 2, 1]), realLabels: t([2, 2]), fakeAdversarial: t([2, 2]), fakeLabels: t([2, 2]) }), "caganDiscriminatorLoss: realAdversarial must be of rank 2, got shape [2, 2, 1] (rank 3)."],
    ["caganDiscriminatorLoss realLabels mismatch", (): unknown => L.caganDiscriminatorLoss({ realAdversarial: t([2, 2]), realLabels: t([2, 3]), fakeAdversarial: t([2, 2]), fakeLabels: t([2, 2]) }), "caganDiscriminatorLoss: realLabels must be of shape [2, 2] (matching realAdversarial), got shape [2, 3]."],
    ["caganDiscriminatorLoss fakeAdversarial width", (): unknown => L.caganDiscriminatorLoss({ realAdversarial: t([2, 2]), realLabels: t([2, 2]), fakeAdversarial: t([3, 3]), fakeLabels: t([3, 3]) }), "caganDiscriminatorLoss: fakeAdversarial must be of shape [*, 2] (the width of realAdversarial), got shape [3, 3]."],
    ["caganDiscriminatorLoss fakeLabels mismatch", (): unknown => L.caganDiscriminatorLoss({ realAdversarial: t([2, 2]), realLabels: t([2, 2]), fakeAdversarial: t([3, 2]), fakeLabels: t([2, 2]) }), "caganDiscriminatorLoss: fakeLabels must be of shape [3, 2] (matching fakeAdversarial), got shape [2, 2]."],
    ["caganDiscriminatorLoss fakeLabels NaN", (): unknown => L.caganDiscriminatorLoss({ realAdversarial: t([2, 2]), realLabels: t([2, 2]), fakeAdversarial: t([3, 2]), fakeLabels: nan([3, 2]) }), "caganDiscriminatorLoss: fakeLabels must be finite, got NaN at index [0, 0] (6 non-finite of 6)."],
    ["caganGeneratorLoss fakeAdversarial rank 1", (): unknown => L.caganGeneratorLoss({ fakeAdversarial: t([2]), fakeLabels: t([2, 2]) }), "caganGeneratorLoss: fakeAdversarial must be of rank 2, got shape [2] (rank 1)."],
    ["caganGeneratorLoss adversarial 5", (): unknown => L.caganGeneratorLoss({ fakeAdversarial: t([2, 2]), fakeLabels: t([2, 2]) }, { adversarial: 5 }), "caganGeneratorLoss: options.adversarial must be a loss name or an object with discriminator and generator functions, got number."],
    ["caganGeneratorLoss fakeLabels mismatch", (): unknown => L.caganGeneratorLoss({ fakeAdversarial: t([2, 2]), fakeLabels: t([1, 2]) }), "caganGeneratorLoss: fakeLabels must be of shape [2, 2] (matching fakeAdversarial), got shape [1, 2]."],
    ["caganGeneratorLoss fakeAdversarial NaN", (): unknown => L.caganGeneratorLoss({ fakeAdversarial: nan([2, 2]), fakeLabels: t([2, 2]) }), "caganGeneratorLoss: fakeAdversarial must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["classificationLoss logits rank 1", (): unknown => L.classificationLoss({ labels: t([2, 2], 0.5), logits: t([2]) }), "classificationLoss: logits must be of rank 2, got shape [2] (rank 1)."],
    ["classificationLoss labels mismatch", (): unknown => L.classificationLoss({ labels: t([2, 3], 0.5), logits: t([2, 2]) }), "classificationLoss: labels must be of shape [2, 2] (matching logits), got shape [2, 3]."],
    ["classificationLoss labels not rows", (): unknown => L.classificationLoss({ labels: t([2, 2], 0.7), logits: t([2, 2]) }), "classificationLoss: labels must be probabilities summing to 1 (tolerance 0.00001), got a sum of 1.399999976158142 in row 0."],
    ["classificationLoss logits NaN", (): unknown => L.classificationLoss({ labels: t([2, 2], 0.5), logits: nan([2, 2]) }), "classificationLoss: logits must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["acganClassifierLoss realLabels mismatch", (): unknown => L.acganClassifierLoss({ realLabels: t([2, 3], 0.5), realLogits: t([2, 2]), fakeLabels: t([2, 2], 0.5), fakeLogits: t([2, 2]) }), "acganClassifierLoss: realLabels must be of shape [2, 2] (matching realLogits), got shape [2, 3]."],
    ["acganClassifierLoss fakeLogits NaN", (): unknown => L.acganClassifierLoss({ realLabels: t([2, 2], 0.5), realLogits: t([2, 2]), fakeLabels: t([2, 2], 0.5), fakeLogits: nan([2, 2]) }), "acganClassifierLoss: fakeLogits must be finite, got NaN at index [0, 0] (4 non-finite of 4)."],
    ["acganClassifierLoss fakeLabels not rows", (): unknown => L.acganClassifierLoss({ realLabels: t([2, 2], 0.5), realLogits: t([2, 2]), fakeLabels: t([2, 2], 0.2), fakeLogits: t([2, 2]) }), "acganClassifierLoss: fakeLabels must be probabilities summing to 1 (tolerance 0.00001), got a sum of 0.4000000059604645 in row 0."],
    ["weighted no terms", (): unknown => L.weighted({}, {}), "weighted: terms must be at least one named term, got {}."],
    ["weighted weight without term", (): unknown => L.weighted({ a: tf.scalar(1) }, { a: 1, b: 2 }), "weighted: weights.b must be the weight of a term (terms are a), got a weight with no term."],
    ["weighted weight NaN", (): unknown => L.weighted({ a: tf.scalar(1) }, { a: Number.NaN }), "weighted: weights.a must be a finite number, got NaN."],
    ["weighted missing weight", (): unknown => L.weighted({ a: tf.scalar(1), b: tf.scalar(2) }, { a: 1 }), "weighted: weights.b must be a weight for term 'b', got none."],
    ["weighted term [2]", (): unknown => L.weighted({ a: tf.zeros([2]) }, { a: 1 }), "weighted: terms.a must be a scalar, got shape [2]."],
    ["weighted term [2, 3]", (): unknown => L.weighted({ a: tf.zeros([2, 3]) }, { a: 1 }), "weighted: terms.a must be a scalar, got shape [2, 3]."],
    ["weighted term a number", (): unknown => L.weighted({ a: 3 }, { a: 1 }), "weighted: terms.a must be a tf.Tensor, got number."],
    ["weighted term NaN", (): unknown => L.weighted({ a: tf.scalar(Number.NaN) }, { a: 1 }), "weighted: terms.a must be finite, got NaN."],
  ];

  it.each(cases.map(([name], index) => [name, index] as const))('%s', (_, index) => {
    const [, thunk, message] = cases[index] as [string, () => unknown, string];
    expect(invalidArgumentMessage(thunk)).toBe(message);
  });
});

describe('losses: the edges of their checks', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('WGAN-GP accepts interpolation weights exactly 0 and 1', () => {
    const value = tf.tidy(() => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2], 0.3), alpha: tf.tensor1d([0, 1]) }).dataSync()[0] as number);
    // D sums its input, so the gradient is (1, 1) at every point: (√2 − 1)² per sample.
    expect(value).toBeCloseTo((Math.SQRT2 - 1) ** 2, 6);
  });

  it('with value checks off, the checks that read tensors read nothing from the device', () => {
    setValueChecks(false);
    try {
      expect(countDeviceReads(() => tf.tidy(() => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2]), alpha: tf.tensor1d([0.5, 0.5]) })))).toBe(0);
      expect(countDeviceReads(() => tf.tidy(() => L.classificationLoss({ labels: t([2, 2], 0.5), logits: t([2, 2]) })))).toBe(0);
    } finally {
      setValueChecks(true);
    }
    // And with them on, each reads (the alpha range; the label rows and finiteness).
    expect(countDeviceReads(() => tf.tidy(() => L.wganGradientPenalty({ discriminator: D, real: t([2, 2]), fake: t([2, 2]), alpha: tf.tensor1d([0.5, 0.5]) })))).toBeGreaterThan(0);
    expect(countDeviceReads(() => tf.tidy(() => L.classificationLoss({ labels: t([2, 2], 0.5), logits: t([2, 2]) })))).toBeGreaterThan(0);
  });
});

describe('the built-in adversarial families, as the module builds them when it loads', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('each is named by its key and gives its known values at logit 0', async () => {
    // A fresh evaluation of the module, so that what it builds at load time is what is tested.
    vi.resetModules();
    const fresh = await import('./adversarial.js');
    const ln2 = Math.log(2);
    const expected: Record<string, [number, number]> = { logistic: [2 * ln2, ln2], minimax: [2 * ln2, -ln2], hinge: [2, 0], wasserstein: [0, 0], 'least-squares': [0.5, 0.5] };
    expect(Object.keys(fresh.ADVERSARIAL_LOSSES)).toEqual(Object.keys(expected));
    for (const [name, loss] of Object.entries(fresh.ADVERSARIAL_LOSSES)) {
      expect(loss.name).toBe(name);
      const [discriminator, generator] = tf.tidy(() => [loss.discriminator({ real: tf.zeros([3]), fake: tf.zeros([3]) }), loss.generator({ fake: tf.zeros([3]) })].map((value) => value.dataSync()[0] as number));
      expect(discriminator, name).toBeCloseTo(expected[name]?.[0] as number, 6);
      expect(generator, name).toBeCloseTo(expected[name]?.[1] as number, 6);
    }
  });
});

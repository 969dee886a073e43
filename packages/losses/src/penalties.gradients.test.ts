import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom, type Random } from '@gantry/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmaxOneHot, classifierGradientPenalty, conditionalLogits, r1Penalty, r2Penalty, wganGradientPenalty } from './index.js';
import { TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

/**
 * Second-order gradient checks: d/dθ of each penalty, which differentiates the network
 * twice, against central finite differences in θ, through an integrated discriminator +
 * classifier D* (leaky ReLU 0.2, shared trunk, an adversarial head of width d_c and a
 * class-logit head of width d_c, Algorithm 1 lines 5-6), as an MLP and as a CNN.
 */
interface IntegratedDiscriminator {
  readonly name: string;
  readonly variables: tf.Variable[];
  readonly real: tf.Tensor;
  readonly fake: tf.Tensor;
  readonly apply: (x: tf.Tensor) => { adversarial: tf.Tensor; logits: tf.Tensor };
}

const CATEGORIES = 3;

function parameters(random: Random, prefix: string, shapes: Record<string, { shape: number[]; std: number }>): Record<string, tf.Variable> {
  const variables: Record<string, tf.Variable> = {};
  for (const [name, { shape, std }] of Object.entries(shapes)) {
    const initial = random.normal(shape, 0, std);
    variables[name] = tf.variable(initial, true, `${prefix}/${name}`);
    initial.dispose();
  }
  return variables;
}

function heads(h: tf.Tensor, p: Record<string, tf.Variable>): { adversarial: tf.Tensor; logits: tf.Tensor } {
  return {
    adversarial: tf.add(tf.matMul(h as tf.Tensor2D, p.adversarial as tf.Variable<tf.Rank.R2>), p.adversarialBias as tf.Variable),
    logits: tf.add(tf.matMul(h as tf.Tensor2D, p.classifier as tf.Variable<tf.Rank.R2>), p.classifierBias as tf.Variable),
  };
}

function mlp(backend: string): IntegratedDiscriminator {
  const random = createRandom(21);
  const p = parameters(random, `mlp-${backend}`, {
    w1: { shape: [2, 12], std: 0.8 },
    b1: { shape: [12], std: 0.2 },
    w2: { shape: [12, 12], std: 0.35 },
    b2: { shape: [12], std: 0.1 },
    adversarial: { shape: [12, CATEGORIES], std: 0.4 },
    adversarialBias: { shape: [CATEGORIES], std: 0.1 },
    classifier: { shape: [12, CATEGORIES], std: 0.6 },
    classifierBias: { shape: [CATEGORIES], std: 0.1 },
  });
  const apply = (x: tf.Tensor): { adversarial: tf.Tensor; logits: tf.Tensor } => {
    const h1 = tf.leakyRelu(tf.add(tf.matMul(x as tf.Tensor2D, p.w1 as tf.Variable<tf.Rank.R2>), p.b1 as tf.Variable), 0.2);
    const h2 = tf.leakyRelu(tf.add(tf.matMul(h1, p.w2 as tf.Variable<tf.Rank.R2>), p.b2 as tf.Variable), 0.2);
    return heads(h2, p);
  };
  return { name: 'MLP', variables: Object.values(p), real: tf.keep(random.normal([6, 2], 0, 1.5)), fake: tf.keep(random.normal([6, 2], 0, 1.5)), apply };
}

function cnn(backend: string): IntegratedDiscriminator {
  const random = createRandom(22);
  const p = parameters(random, `cnn-${backend}`, {
    k1: { shape: [3, 3, 1, 4], std: 0.5 },
    c1: { shape: [4], std: 0.1 },
    k2: { shape: [3, 3, 4, 6], std: 0.3 },
    c2: { shape: [6], std: 0.1 },
    adversarial: { shape: [6, CATEGORIES], std: 0.5 },
    adversarialBias: { shape: [CATEGORIES], std: 0.1 },
    classifier: { shape: [6, CATEGORIES], std: 0.7 },
    classifierBias: { shape: [CATEGORIES], std: 0.1 },
  });
  const apply = (x: tf.Tensor): { adversarial: tf.Tensor; logits: tf.Tensor } => {
    // [b, 6, 6, 1] -> stride-2 'same' conv -> [b, 3, 3, 4] -> 'valid' conv -> [b, 1, 1, 6].
    const h1 = tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, p.k1 as tf.Variable<tf.Rank.R4>, 2, 'same'), p.c1 as tf.Variable), 0.2);
    const h2 = tf.leakyRelu(tf.add(tf.conv2d(h1 as tf.Tensor4D, p.k2 as tf.Variable<tf.Rank.R4>, 1, 'valid'), p.c2 as tf.Variable), 0.2);
    return heads(tf.reshape(h2, [-1, 6]), p);
  };
  return { name: 'CNN', variables: Object.values(p), real: tf.keep(random.normal([4, 6, 6, 1])), fake: tf.keep(random.normal([4, 6, 6, 1])), apply };
}

type Penalty = (d: IntegratedDiscriminator) => () => tf.Scalar;

/**
 * The parameters each penalty depends on. The adversarial penalties see the trunk and the
 * adversarial weights (a head's bias drops out of ∇x); L_creg sees the trunk and the whole
 * classifier head (its bias moves the softmax). Passing exactly these lets the check also
 * prove that no dependency is missing.
 */
const DEPENDS_ON: Record<string, (parameter: string) => boolean> = {
  R1: (parameter) => !parameter.startsWith('classifier') && parameter !== 'adversarialBias',
  R2: (parameter) => !parameter.startsWith('classifier') && parameter !== 'adversarialBias',
  'L_creg (Eq. 6)': (parameter) => !parameter.startsWith('adversarial'),
  'WGAN-GP': (parameter) => !parameter.startsWith('classifier') && parameter !== 'adversarialBias',
};

const PENALTIES: Record<string, Penalty> = {
  // R1 on the CAGAN logit of the virtual label, as VCAGAN applies it: c_r fixed from Q(x).
  R1: (d) => {
    const virtual = tf.tidy(() => argmaxOneHot(d.apply(d.real).logits));
    return () => r1Penalty({ discriminator: (x) => conditionalLogits({ adversarial: d.apply(x).adversarial, labels: virtual }), real: d.real });
  },
  R2: (d) => {
    const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: d.fake.shape[0] as number }, (_, i) => i % CATEGORIES), 'int32'), CATEGORIES), 'float32'));
    return () => r2Penalty({ discriminator: (x) => conditionalLogits({ adversarial: d.apply(x).adversarial, labels }), fake: d.fake });
  },
  'L_creg (Eq. 6)': (d) => () => classifierGradientPenalty({ classifier: (x) => d.apply(x).logits, real: d.real }),
  'WGAN-GP': (d) => {
    const alpha = createRandom(3).uniform([d.real.shape[0] as number]);
    return () => wganGradientPenalty({ discriminator: (x) => tf.sum(d.apply(x).adversarial, -1), real: d.real, fake: d.fake, alpha });
  },
};

describe.each(TESTED_BACKENDS)('second-order gradients of the penalties on %s', (backend) => {
  const networks: IntegratedDiscriminator[] = [];
  beforeAll(async () => {
    await useBackend(backend);
    networks.push(mlp(backend), cnn(backend));
  });
  afterAll(() => {
    for (const d of networks) tf.dispose([d.real, d.fake, ...d.variables]);
  });

  const cases = ['MLP', 'CNN'].flatMap((network) => Object.keys(PENALTIES).map((penalty) => [penalty, network] as const));

  // Float32 central differences, Richardson-extrapolated (checkGradients): every checked
  // entry of every parameter within 2e-4·max(1, |P|) + 2e-3·|dP/dθ|. A leaky ReLU kink
  // inside the step makes a penalty jump; such entries are reported and left out, at most
  // a quarter of them.
  it.each(cases)('d %s / dθ through the %s D* matches finite differences', (penaltyName, networkName) => {
    const d = networks.find((network) => network.name === networkName) as IntegratedDiscriminator;
    const penalty = (PENALTIES[penaltyName] as Penalty)(d);
    const uses = DEPENDS_ON[penaltyName] as (parameter: string) => boolean;
    const variables = d.variables.filter((variable) => uses(variable.name.split('/')[1] as string));
    const result = checkGradients(penalty, variables, { epsilon: 4e-3, entriesPerVariable: 4 });
    const smooth = result.entries.filter((entry) => !entry.nonSmooth);
    const worst = smooth.reduce((a, b) => (b.errorRatio > a.errorRatio ? b : a));
    expect(result.missingGradients).toEqual([]);
    expect(result.value).toBeGreaterThan(0);
    expect(result.worstErrorRatio, `worst entry ${JSON.stringify(worst)}`).toBeLessThanOrEqual(1);
    expect(result.nonSmoothEntries).toBeLessThanOrEqual(result.entries.length / 4);
    // Non-trivial: most weight entries carry a gradient well above the tolerance. (Through
    // leaky ReLU, ∇x is piecewise constant in the trunk's biases, so their true
    // derivative in R1, R2 and WGAN-GP is 0, which the check confirms.)
    const weights = smooth.filter((entry) => /\/(w\d|k\d|adversarial|classifier)$/.test(entry.variable));
    expect(weights.filter((entry) => Math.abs(entry.analytic) > 1e-3).length).toBeGreaterThan(weights.length / 2);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADVERSARIAL_LOSSES, adversarialLoss, defineAdversarialLoss, hingeLoss, leastSquaresLoss, logisticLoss, minimaxLoss, wassersteinLoss } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend, valueOf } from '@gantry/backend/testing';

// Hand arithmetic for real logits r = [0, 2] and fake logits f = [0.5, -1]:
//   softplus(0) = ln 2 = 0.693147         softplus(-2) = ln(1 + e^-2) = ln 1.135335 = 0.126928
//   softplus(0.5) = ln 2.648721 = 0.974077 softplus(-1) = ln 1.367879 = 0.313262
//   softplus(-0.5) = ln 1.606531 = 0.474077 softplus(1) = ln 3.718282 = 1.313262
const REAL = [0, 2];
const FAKE = [0.5, -1];
const EXPECTED = {
  // D: mean(softplus(-r)) + mean(softplus(f)) = (0.693147 + 0.126928)/2 + (0.974077 + 0.313262)/2 = 0.410038 + 0.643670
  // G: mean(softplus(-f)) = (0.474077 + 1.313262)/2
  logistic: { discriminator: 1.053707, generator: 0.893669 },
  // G: -mean(softplus(f)) = -(0.974077 + 0.313262)/2
  minimax: { discriminator: 1.053707, generator: -0.64367 },
  // D: mean(relu(1 - r)) + mean(relu(1 + f)) = (1 + 0)/2 + (1.5 + 0)/2; G: -mean(f) = -(-0.25)
  hinge: { discriminator: 1.25, generator: 0.25 },
  // D: mean(f) - mean(r) = -0.25 - 1; G: -mean(f)
  wasserstein: { discriminator: -1.25, generator: 0.25 },
  // D: mean(½(r - 1)²) + mean(½f²) = (0.5 + 0.5)/2 + (0.125 + 0.5)/2 = 0.5 + 0.3125; G: mean(½(f - 1)²) = (0.125 + 2)/2
  'least-squares': { discriminator: 0.8125, generator: 1.0625 },
} as const;

describe.each(TESTED_BACKENDS)('adversarial losses on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(Object.keys(EXPECTED))('%s matches hand arithmetic, for [batch] and [batch, 1] logits', (name) => {
    const loss = adversarialLoss(name as keyof typeof EXPECTED);
    const expected = EXPECTED[name as keyof typeof EXPECTED];
    const real = tf.tensor1d(REAL);
    const fake = tf.tensor1d(FAKE);
    const fakeColumn = tf.tensor2d(FAKE, [2, 1]);
    expect(valueOf(loss.discriminator({ real, fake }))).toBeCloseTo(expected.discriminator, 5);
    expect(valueOf(loss.discriminator({ real, fake: fakeColumn }))).toBeCloseTo(expected.discriminator, 5);
    expect(valueOf(loss.generator({ fake }))).toBeCloseTo(expected.generator, 5);
    expect(valueOf(loss.generator({ fake: fakeColumn }))).toBeCloseTo(expected.generator, 5);
    tf.dispose([real, fake, fakeColumn]);
  });

  it.each(Object.keys(EXPECTED))('%s: gradients match central finite differences', (name) => {
    const loss = adversarialLoss(name as keyof typeof EXPECTED);
    const random = createRandom(5);
    // Scaled to stay clear of hinge's kinks at ±1 within the step.
    const real = tf.variable(random.normal([5], 0.3, 0.4), true, `real-${name}-${backend}`);
    const fake = tf.variable(random.normal([4], -0.3, 0.4), true, `fake-${name}-${backend}`);
    const d = checkGradients(() => loss.discriminator({ real, fake }), [real, fake], { epsilon: 1e-2 });
    const g = checkGradients(() => loss.generator({ fake }), [fake], { epsilon: 1e-2 });
    expect(d.ok, JSON.stringify(d.entries)).toBe(true);
    expect(g.ok, JSON.stringify(g.entries)).toBe(true);
    expect(d.nonSmoothEntries + g.nonSmoothEntries).toBe(0);
    tf.dispose([real, fake]);
  });
});

describe('adversarialLoss', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('resolves every built-in name to its pair', () => {
    expect(ADVERSARIAL_LOSSES).toEqual({ logistic: logisticLoss, minimax: minimaxLoss, hinge: hingeLoss, wasserstein: wassersteinLoss, 'least-squares': leastSquaresLoss });
    for (const [name, loss] of Object.entries(ADVERSARIAL_LOSSES)) {
      expect(adversarialLoss(name as keyof typeof ADVERSARIAL_LOSSES)).toBe(loss);
      expect(loss.name).toBe(name);
    }
  });

  it('accepts a pair of your own, defined by per-sample terms', () => {
    // A smooth hinge, a family the library does not ship:
    // D: mean(softplus(1 - r)) + mean(softplus(1 + f)); with r = [0, 2], f = [0.5, -1]:
    // (softplus(1) + softplus(-1))/2 + (softplus(1.5) + softplus(0))/2 = (1.313262 + 0.313262)/2 + (1.701413 + 0.693147)/2
    const custom = defineAdversarialLoss('soft-hinge', {
      real: (r) => tf.softplus(tf.sub(1, r)),
      fake: (f) => tf.softplus(tf.add(1, f)),
      generator: (f) => tf.softplus(tf.neg(f)),
    });
    expect(adversarialLoss(custom)).toBe(custom);
    const real = tf.tensor1d(REAL);
    const fake = tf.tensor1d(FAKE);
    expect(valueOf(custom.discriminator({ real, fake }))).toBeCloseTo(0.813262 + 1.19728, 5);
    tf.dispose([real, fake]);
  });

  it('rejects unknown names, malformed pairs and bad logits, naming the argument', () => {
    expect(invalidArgumentMessage(() => adversarialLoss('hinged' as 'hinge'))).toBe(
      "adversarialLoss: spec must be one of 'logistic', 'minimax', 'hinge', 'wasserstein', 'least-squares' or an AdversarialLoss, got 'hinged'.",
    );
    expect(invalidArgumentMessage(() => adversarialLoss({ name: 'x' } as never))).toMatch(/^adversarialLoss: spec must be a loss name or an object with discriminator and generator functions/);
    const wide = tf.zeros([4, 2]);
    const good = tf.zeros([4]);
    const empty = tf.zeros([0]);
    const nan = tf.tensor1d([0, Number.NaN]);
    expect(invalidArgumentMessage(() => logisticLoss.discriminator({ real: good, fake: wide }))).toBe(
      'logistic.discriminator: logits.fake must be of shape [batch] or [batch, 1], got shape [4, 2].',
    );
    expect(invalidArgumentMessage(() => hingeLoss.generator({ fake: empty }))).toBe('hinge.generator: logits.fake must be a non-empty batch, got shape [0].');
    expect(invalidArgumentMessage(() => logisticLoss.discriminator({ real: nan, fake: good }))).toBe(
      'logistic.discriminator: logits.real must be finite, got NaN at index [1] (1 non-finite of 2).',
    );
    tf.dispose([wide, good, empty, nan]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acganClassifierLoss,
  ADVERSARIAL_LOSSES,
  argmaxOneHot,
  caganDiscriminatorLoss,
  caganGeneratorLoss,
  classificationLoss,
  classifierGradientPenalty,
  conditionalLogits,
  r1Penalty,
  r2Penalty,
  wganGradientPenalty,
  weighted,
} from './index.js';
import { TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

describe.each(TESTED_BACKENDS)('no tensor leaks on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('tf.memory().numTensors is unchanged after 100 calls of every loss, outside any tidy', () => {
    const random = createRandom(1);
    const a = random.normal([8, 4]);
    const logits = random.normal([8, 4]);
    const realLogits = tf.sum(a, -1);
    const fakeLogits = tf.sum(logits, -1);
    const one = tf.scalar(1);
    const two = tf.scalar(2);
    const halfX = random.normal([8, 2]);
    const labels = argmaxOneHot(logits);
    const x = random.normal([8, 2]);
    const w = random.normal([2, 4]);
    const alpha = random.uniform([8]);
    const network = (input: tf.Tensor): tf.Tensor => tf.tanh(tf.matMul(input, w));
    const logit = (input: tf.Tensor): tf.Tensor => conditionalLogits({ adversarial: network(input), labels });
    const calls: Record<string, () => tf.Tensor> = {
      ...Object.fromEntries(
        Object.entries(ADVERSARIAL_LOSSES).flatMap(([name, loss]) => [
          [`${name}.discriminator`, () => loss.discriminator({ real: realLogits, fake: fakeLogits })],
          [`${name}.generator`, () => loss.generator({ fake: fakeLogits })],
        ]),
      ),
      conditionalLogits: () => conditionalLogits({ adversarial: a, labels }),
      argmaxOneHot: () => argmaxOneHot(logits),
      caganDiscriminatorLoss: () => caganDiscriminatorLoss({ realAdversarial: a, realLabels: labels, fakeAdversarial: a, fakeLabels: labels }),
      caganGeneratorLoss: () => caganGeneratorLoss({ fakeAdversarial: a, fakeLabels: labels }),
      classificationLoss: () => classificationLoss({ labels, logits }),
      acganClassifierLoss: () => acganClassifierLoss({ realLabels: labels, realLogits: logits, fakeLabels: labels, fakeLogits: a }),
      r1Penalty: () => r1Penalty({ discriminator: logit, real: x }),
      r2Penalty: () => r2Penalty({ discriminator: logit, fake: x }),
      classifierGradientPenalty: () => classifierGradientPenalty({ classifier: network, real: x }),
      wganGradientPenalty: () => wganGradientPenalty({ discriminator: logit, real: x, fake: halfX, alpha }),
      weighted: () => weighted({ one: one as tf.Scalar, two: two as tf.Scalar }, { one: 1, two: 0.5 }),
    };
    for (const [name, call] of Object.entries(calls)) {
      // The first call may create cached constants inside TF.js; count from the second.
      call().dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) {
        const started = tf.memory().numTensors;
        const result = call();
        result.dispose();
        const extra = tf.memory().numTensors - started;
        if (extra > 0) throw new Error(`${name} leaked ${extra} tensor(s) on call ${i + 1}`);
      }
      expect(tf.memory().numTensors, name).toBe(before);
    }
    tf.dispose([a, logits, realLogits, fakeLogits, one, two, halfX, labels, x, w, alpha]);
  });

  it('and none when used inside tf.variableGrads, as a training step does', () => {
    const random = createRandom(2);
    const x = random.normal([8, 2]);
    const w = tf.variable(random.normal([2, 4]), true, `leak-w-${backend}`);
    const before = tf.memory().numTensors;
    // No tf.tidy around the step: it would dispose whatever a loss left behind and hide it.
    for (let i = 0; i < 100; i++) {
      const started = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(
        () =>
          weighted(
            {
              r1: r1Penalty({ discriminator: (input) => tf.sum(tf.tanh(tf.matMul(input, w)), -1), real: x }),
              creg: classifierGradientPenalty({ classifier: (input) => tf.matMul(input, w), real: x }),
            },
            { r1: 1, creg: 10 },
          ),
        [w],
      );
      // Read, as a training step does, then dispose what the step returned.
      [value, ...Object.values(grads)].forEach((tensor) => tensor.dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      const extra = tf.memory().numTensors - started;
      if (extra > 0) throw new Error(`a training step leaked ${extra} tensor(s) on call ${i + 1}`);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

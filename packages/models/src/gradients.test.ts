import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkGradients, createRandom } from '@gantry/backend';
import { TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';
import { argmaxOneHot, classifierGradientPenalty, conditionalLogits, r1Penalty } from '@gantry/losses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discriminatorOutputs, integratedDiscriminator, trainableVariables } from './index.js';

/**
 * Plain (DCGAN-initialised) layers start at N(0, 0.02²): their activations and gradients are
 * so small that most finite differences would sit below float32's rounding. Kernels redrawn
 * at N(0, 1/fan_in) keep the same layers and ops with activations of order 1.
 */
function rescaled(model: tfl.LayersModel, seed: number): tfl.LayersModel {
  const random = createRandom(seed);
  for (const variable of trainableVariables(model).filter((v) => v.name.endsWith('kernel'))) {
    const fanIn = variable.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const drawn = random.normal(variable.shape, 0, 1 / Math.sqrt(fanIn));
    variable.assign(drawn);
    drawn.dispose();
  }
  return model;
}

/**
 * The builders' D* inside a custom training step: d/dθ of R1 and of L_creg (Eq. 6), which
 * differentiate the LayersModel twice, against central finite differences in its weights.
 */
describe.each(TESTED_BACKENDS)('second-order gradients through the built D* on %s', (backend) => {
  const built: { name: string; model: tfl.LayersModel; x: tf.Tensor }[] = [];
  beforeAll(async () => {
    await useBackend(backend);
    built.push(
      {
        name: 'MLP',
        model: integratedDiscriminator({ inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 10, layers: 2 }, seed: 1, name: `mlp-${backend}` }),
        x: createRandom(2).normal([6, 2], 0, 1.5),
      },
      {
        name: 'CNN',
        model: integratedDiscriminator({ inputShape: [6, 6, 1], categories: 3, trunk: { kind: 'cnn', channels: [4, 6], kernelSize: 3 }, seed: 3, name: `cnn-${backend}` }),
        x: createRandom(4).normal([3, 6, 6, 1]),
      },
      {
        // InfoGAN's shape of D: plain DCGAN-initialised layers and a fully connected hidden layer after the convolutions.
        name: 'CNN, DCGAN initialisation, hidden layer',
        model: rescaled(integratedDiscriminator({ inputShape: [6, 6, 1], categories: 3, trunk: { kind: 'cnn', channels: [4, 6], kernelSize: 3, hidden: [5] }, initialization: 'dcgan', seed: 5, name: `cnn-dcgan-${backend}` }), 11),
        x: createRandom(6).normal([3, 6, 6, 1]),
      },
      {
        // A D normalized per sample (SampleNormalization after the second convolution and the hidden layer).
        name: 'CNN, layer normalization',
        model: rescaled(integratedDiscriminator({ inputShape: [6, 6, 1], categories: 3, trunk: { kind: 'cnn', channels: [4, 6], kernelSize: 3, hidden: [5], normalization: 'layer' }, initialization: 'dcgan', seed: 7, name: `cnn-ln-${backend}` }), 11),
        x: createRandom(8).normal([3, 6, 6, 1]),
      },
      {
        // DCGAN's and InfoGAN's D: batch statistics, through which the penalties differentiate too.
        name: 'CNN, batch normalization',
        model: rescaled(integratedDiscriminator({ inputShape: [6, 6, 1], categories: 3, trunk: { kind: 'cnn', channels: [4, 6], kernelSize: 3, hidden: [5], normalization: 'batch' }, initialization: 'dcgan', seed: 9, name: `cnn-bn-${backend}` }), 11),
        x: createRandom(10).normal([3, 6, 6, 1]),
      },
    );
  });
  afterAll(() => {
    for (const { model, x } of built) {
      model.dispose();
      x.dispose();
    }
  });

  const cases = ['MLP', 'CNN', 'CNN, DCGAN initialisation, hidden layer', 'CNN, layer normalization', 'CNN, batch normalization'].flatMap((network) => ['R1', 'L_creg'].map((penalty) => [penalty, network] as const));

  // Float32 central differences, Richardson-extrapolated: within 2e-4·max(1, |P|) + 2e-3·|dP/dθ|
  // for every checked entry of R1, 4e-4·|P| + 1e-2·|dP/dθ| for L_creg (below); entries with a leaky ReLU kink inside the step are left out (at most a quarter).
  it.each(cases)('d %s / dθ through the %s D* matches finite differences', (penalty, network) => {
    const { model, x } = built.find((entry) => entry.name === network) as (typeof built)[number];
    const virtual = tf.tidy(() => argmaxOneHot(discriminatorOutputs(model, x).logits));
    const heads = penalty === 'R1' ? /adversarial/ : /logits/;
    // A bias right before batch statistics is cancelled by their mean: its gradient is exactly 0, and its finite differences are float32 noise.
    const cancelled = new Set(model.layers.filter((layer, index) => model.layers[index + 1]?.getClassName() === 'BatchStatisticsNormalization').map((layer) => layer.name));
    // The head the penalty does not read has no gradient; R1 does not depend on the adversarial bias either.
    const variables = trainableVariables(model).filter((variable) => {
      const layer = variable.name.split('/').slice(-2, -1)[0] ?? '';
      if (/^(adversarial|logits)/.test(layer)) return heads.test(layer) && !(penalty === 'R1' && variable.name.endsWith('bias'));
      return !(variable.name.endsWith('bias') && cancelled.has(variable.name.split('/').slice(0, -1).join('/')));
    });
    const objective = (): tf.Scalar =>
      penalty === 'R1'
        ? r1Penalty({ discriminator: (input) => conditionalLogits({ adversarial: discriminatorOutputs(model, input).adversarial, labels: virtual }), real: x })
        : classifierGradientPenalty({ classifier: (input) => discriminatorOutputs(model, input).logits, real: x, labels: virtual });
    // L_creg is small here (0.02-0.07), and so are its gradients (1e-4 to 5e-2): an absolute
    // tolerance of 2e-4 would admit a 100% error on the smallest entries. Its float32 rounding
    // scales with the value, so the absolute part does too: 4e-4·|L_creg|, and 1% relative.
    const value = tf.tidy(() => Math.abs(objective().dataSync()[0] as number));
    const tolerance = penalty === 'L_creg' ? { absoluteTolerance: 4e-4 * value, relativeTolerance: 1e-2 } : {};
    const result = checkGradients(objective, variables, { epsilon: 4e-3, entriesPerVariable: 3, ...tolerance });
    virtual.dispose();
    const smooth = result.entries.filter((entry) => !entry.nonSmooth);
    const worst = smooth.reduce((a, b) => (b.errorRatio > a.errorRatio ? b : a));
    expect(result.missingGradients).toEqual([]);
    expect(result.value).toBeGreaterThan(0);
    expect(result.worstErrorRatio, `worst entry ${JSON.stringify(worst)}`).toBeLessThanOrEqual(1);
    expect(result.nonSmoothEntries).toBeLessThanOrEqual(result.entries.length / 4);
    const kernels = smooth.filter((entry) => entry.variable.endsWith('kernel'));
    expect(kernels.filter((entry) => Math.abs(entry.analytic) > 1e-4).length).toBeGreaterThan(kernels.length / 2);
  });
});

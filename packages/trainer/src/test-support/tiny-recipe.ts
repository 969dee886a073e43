import * as tf from '@tensorflow/tfjs-core';
import { argmaxOneHot, caganDiscriminatorLoss, caganGeneratorLoss, classificationLoss, classifierGradientPenalty, conditionalLogits, r1Penalty } from '@gantry/losses';
import { applyModel, discriminatorOutputs, integratedDiscriminator, mlpGenerator } from '@gantry/models';
import { categoricalPrior, exponentialMovingAverage, normalPrior } from '@gantry/priors';
import { observedRows, type ObservedValue, type RecipeSetup, type TermContext } from '../index.js';

/**
 * A small VCAGAN-shaped recipe for the trainer's own tests (the real one lives in
 * @gantry/vcagan, which depends on this package): every kind of term (first order, second
 * order, a prior update) with 8-unit MLPs, so hundreds of steps take seconds.
 */
export function tinyRecipe(seed: number, options: { readonly poison?: { readonly atStep: number; readonly counter: { value: number }; readonly phase?: 'discriminator' | 'generator' } } = {}): RecipeSetup {
  const D = integratedDiscriminator({ inputShape: [2], categories: 3, trunk: { kind: 'mlp', units: 8, layers: 2 }, seed: 2 * seed + 1, name: 'discriminator' });
  const G = mlpGenerator({ inputDim: 4 + 3, outputDim: 2, units: 8, layers: 2, seed: 2 * seed + 2, name: 'generator' });
  const real = (context: TermContext) => context.memo('real', () => discriminatorOutputs(D, context.batch.real));
  const fake = (context: TermContext) => context.memo('fake', () => discriminatorOutputs(D, applyModel(G, context.batch.generatorInput) as tf.Tensor));
  const virtual = (context: TermContext) => context.memo('virtual', () => argmaxOneHot(real(context).logits));
  const { poison } = options;
  return {
    networks: { discriminator: D, generator: G },
    generator: 'generator',
    continuous: normalPrior(4),
    categorical: categoricalPrior({ categories: 3, rule: exponentialMovingAverage({ decay: 0.9 }) }),
    phases: [
      {
        name: 'discriminator',
        network: 'discriminator',
        terms: {
          adversarial: (context) =>
            caganDiscriminatorLoss({ realAdversarial: real(context).adversarial, realLabels: virtual(context), fakeAdversarial: fake(context).adversarial, fakeLabels: context.batch.c }),
          cls: (context) => classificationLoss({ labels: context.batch.c, logits: fake(context).logits }),
          creg: (context) => {
            const penalty = classifierGradientPenalty({ classifier: (x) => discriminatorOutputs(D, x).logits, real: context.batch.real, labels: virtual(context) });
            if (poison === undefined || poison.phase === 'generator') return penalty;
            poison.counter.value += 1;
            return poison.counter.value === poison.atStep ? tf.mul(penalty, Number.NaN) : penalty;
          },
          r1: (context) => r1Penalty({ discriminator: (x) => conditionalLogits({ adversarial: discriminatorOutputs(D, x).adversarial, labels: virtual(context) }), real: context.batch.real }),
        },
        weights: { adversarial: 1, cls: 1, creg: 0.5, r1: 1 },
        observe: (context) => ({ q: tf.softmax(real(context).logits) }),
      },
      {
        name: 'generator',
        network: 'generator',
        terms: {
          adversarial: (context) => {
            const loss = caganGeneratorLoss({ fakeAdversarial: fake(context).adversarial, fakeLabels: context.batch.c });
            if (poison?.phase !== 'generator') return loss;
            poison.counter.value += 1;
            return poison.counter.value === poison.atStep ? tf.mul(loss, Number.NaN) : loss;
          },
        },
        weights: { adversarial: 1 },
      },
    ],
    updatePrior: (observed, prior) => prior.update(observedRows(observed.q as ObservedValue)),
  };
}

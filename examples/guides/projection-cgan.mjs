// Guide "Build your own conditional GAN" (docs/guides/own-recipe.md): a projection
// discriminator cGAN (Miyato & Koyama 2018) with the hinge loss, as a Gantry recipe, trained
// on the labelled mixture of four Gaussians and evaluated class by class.
// node projection-cgan.mjs [--steps 4000] [--seed 1] [--backend wasm]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { conditionalLogits, hingeLoss, r1Penalty } from '@gantry/losses';
import { evaluateMixture } from '@gantry/metrics';
import { applyModel, discriminatorOutputs, integratedDiscriminator, mlpGenerator } from '@gantry/models';
import { categoricalPrior, fixedRule, normalPrior } from '@gantry/priors';
import { createTrainer, mixtureSource, stepIndependent, train } from '@gantry/trainer';

// #region recipe
/**
 * D(x, y) = ψ(φ(x)) + yᵀVφ(x): @gantry/models' integrated discriminator with a 1-wide
 * adversarial head gives ψ(φ(x)), and its class-logit head gives Vφ(x).
 */
export const projectionCgan = {
  name: 'projection-cgan',
  description: 'projection discriminator cGAN with the hinge loss (Miyato & Koyama 2018)',
  supervised: true,
  defaults: { latentDim: 16, units: 128, layers: 4, lambdaR1: 1, probabilities: [] },
  build(data, options, seed) {
    const o = { ...this.defaults, ...options };
    const classes = data.classes;
    if (classes === undefined) throw new Error('projection-cgan trains on labelled data: data.classes is undefined');
    const trunk = { kind: 'mlp', units: o.units, layers: o.layers };
    const D = integratedDiscriminator({ inputShape: data.sampleShape, trunk, categories: classes, adversarialWidth: 1, seed: 2 * seed + 1, name: 'discriminator' });
    const G = mlpGenerator({ inputDim: o.latentDim + classes, outputDim: data.sampleShape[0], units: o.units, layers: o.layers, seed: 2 * seed + 2, name: 'generator' });
    // The logit of x under label rows y: ψ + y·Vφ(x).
    const logit = (x, y) => {
      const { adversarial, logits } = discriminatorOutputs(D, x);
      return tf.add(tf.reshape(adversarial, [-1]), conditionalLogits({ adversarial: logits, labels: y }));
    };
    const fake = (context) => context.memo('fake', () => applyModel(G, context.batch.generatorInput));
    return {
      networks: { discriminator: D, generator: G },
      generator: 'generator',
      continuous: normalPrior(o.latentDim),
      // G's labels follow the data's label frequencies when given, else uniform; never updated.
      categorical: categoricalPrior(o.probabilities.length > 0 ? { probabilities: o.probabilities, rule: fixedRule() } : { categories: classes, rule: fixedRule() }),
      phases: [
        {
          name: 'discriminator',
          network: 'discriminator',
          terms: {
            adversarial: (context) => hingeLoss.discriminator({ real: logit(context.batch.real, context.batch.realLabels), fake: logit(fake(context), context.batch.c) }),
            // R1 on the conditional logit at the real data, with the real labels held fixed.
            r1: (context) => r1Penalty({ discriminator: (x) => logit(x, context.batch.realLabels), real: context.batch.real }),
          },
          weights: { adversarial: 1, r1: o.lambdaR1 },
          planKey: stepIndependent,
        },
        {
          name: 'generator',
          network: 'generator',
          terms: { adversarial: (context) => hingeLoss.generator({ fake: logit(fake(context), context.batch.c) }) },
          weights: { adversarial: 1 },
          planKey: stepIndependent,
        },
      ],
    };
  },
};
// #endregion recipe

const { values } = parseArgs({ options: { steps: { type: 'string', default: '4000' }, seed: { type: 'string', default: '1' }, backend: { type: 'string', default: 'wasm' } } });
const seed = Number(values.seed);

// #region train
await selectBackend(values.backend);
const mixture = gaussianMixture(PAPER_GAUSSIAN_MIXTURE);
const data = mixtureSource(mixture);
const setup = projectionCgan.build({ sampleShape: data.sampleShape, classes: data.classes }, { probabilities: PAPER_GAUSSIAN_MIXTURE.probabilities }, seed);
const trainer = createTrainer({ setup, data, seed, plan: true });
await train(trainer, { untilStep: Number(values.steps) });

// Class c's samples should sit on component c: evaluateMixture of @gantry/metrics says where each class's samples went.
const samples = trainer.sample(4000);
const evaluation = evaluateMixture({
  samples: await samples.x.data(),
  sampleCategories: samples.categories,
  prior: trainer.prior.probabilities(),
  ...PAPER_GAUSSIAN_MIXTURE,
});
samples.x.dispose();
for (const report of evaluation.categories) {
  console.log(`class ${report.category}: ${report.samples} samples, ${(100 * (report.componentShares[report.category] ?? 0)).toFixed(1)}% on component ${report.category}, ${(100 * report.highQualityFraction).toFixed(1)}% within 3σ`);
}
// #endregion train
trainer.dispose();
for (const model of Object.values(setup.networks)) model.dispose();

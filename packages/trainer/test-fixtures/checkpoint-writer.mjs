// Trains a 4×256 VCAGAN-sized pair and writes a checkpoint after every step, forever,
// resuming from the latest checkpoint in the folder if there is one. The checkpoint test
// kills it with SIGKILL at random moments and checks what is left on disk.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { integratedDiscriminator, mlpGenerator } from '@gantry/models';
import { categoricalPrior, normalPrior } from '@gantry/priors';
import { caganDiscriminatorLoss, caganGeneratorLoss, argmaxOneHot } from '@gantry/losses';
import { discriminatorOutputs, applyModel } from '@gantry/models';
import { createTrainer, mixtureSource } from '../dist/index.js';
import { loadLatestCheckpoint, saveCheckpoint } from '../dist/node.js';

const directory = process.argv[2];
await selectBackend('cpu');
const D = integratedDiscriminator({ inputShape: [2], categories: 4, trunk: { kind: 'mlp', units: 256, layers: 4 }, seed: 1 });
const G = mlpGenerator({ inputDim: 8, outputDim: 2, units: 256, layers: 4, seed: 2 });
const fake = (context) => context.memo('fake', () => discriminatorOutputs(D, applyModel(G, context.batch.generatorInput)));
const setup = {
  networks: { discriminator: D, generator: G },
  generator: 'generator',
  continuous: normalPrior(4),
  categorical: categoricalPrior({ categories: 4 }),
  phases: [
    {
      name: 'discriminator',
      network: 'discriminator',
      terms: {
        adversarial: (context) => {
          const real = discriminatorOutputs(D, context.batch.real);
          return caganDiscriminatorLoss({ realAdversarial: real.adversarial, realLabels: argmaxOneHot(real.logits), fakeAdversarial: fake(context).adversarial, fakeLabels: context.batch.c });
        },
      },
      weights: { adversarial: 1 },
    },
    { name: 'generator', network: 'generator', terms: { adversarial: (context) => caganGeneratorLoss({ fakeAdversarial: fake(context).adversarial, fakeLabels: context.batch.c }) }, weights: { adversarial: 1 } },
  ],
};
const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 1 });
const latest = await loadLatestCheckpoint(directory);
if (latest !== null) {
  trainer.restore(latest.snapshot);
  tf.dispose(latest.snapshot.tensors);
}
for (;;) {
  trainer.trainStep();
  await saveCheckpoint(directory, trainer, { writer: 'checkpoint-writer' }, { keep: 2 });
  process.stdout.write(`saved ${trainer.step}\n`);
}

// The trainers the benchmark scripts time: one definition of each benchmarked step, so
// training-step.bench.mjs and step-kernels.mjs measure the same thing.
import { createRandom } from '@gantry/backend';
import { gaussianMixture, inMemoryDataset, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, datasetSource, mixtureSource } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';

/** VCAGAN on the paper's mixture, 4 × `units` MLPs, batch 32, λ_creg 0.1, seed 1; `plan`: replay kernel plans (the CLI's default). */
export function gaussianTrainer(units = 512, plan = false) {
  const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
  const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { lambdaCreg: 0.1, units }, 1);
  return createTrainer({ setup, data, seed: 1, plan });
}

/** VCAGAN with the default CNNs on 256 random 28×28 images (the step's cost does not depend on the pixels), λ_creg 5. */
export function mnistTrainer(plan = false) {
  const images = createRandom(3).uniform([256, 28, 28, 1], -1, 1);
  const dataset = inMemoryDataset({ values: images.dataSync(), sampleShape: [28, 28, 1] });
  images.dispose();
  const setup = vcagan.build({ sampleShape: [28, 28, 1], classes: undefined }, { lambdaCreg: 5 }, 1);
  return createTrainer({ setup, data: datasetSource(dataset, { seed: 1 }), seed: 1, plan });
}

/** Disposes a trainer and its networks. */
export function disposeTrainer(trainer) {
  trainer.dispose();
  for (const model of Object.values(trainer.setup.networks)) model.dispose();
}

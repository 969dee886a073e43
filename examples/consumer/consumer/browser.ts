// A browser user's entry: bundled by Vite from the installed tarballs.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';

export async function start(): Promise<number> {
  await selectBackend('cpu');
  const setup = vcagan.build({ sampleShape: [2], classes: 4 }, { units: 8, layers: 2 }, 1);
  const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 1 });
  trainer.trainStep();
  return tf.memory().numTensors;
}

// A TypeScript user's file: type-checked with moduleResolution node16 and with bundler.
import { selectBackend } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource, type StepReport, type Trainer } from '@gantry/trainer';
import { loadLatestCheckpoint, type LoadedCheckpoint } from '@gantry/trainer/node';
import { vcagan, type VcaganOptions } from '@gantry/vcagan';
import { infoGan } from '@gantry/baselines';
import { classifierGradientPenalty } from '@gantry/losses';

export async function trainFew(options: VcaganOptions): Promise<StepReport> {
  await selectBackend('cpu');
  const setup = vcagan.build({ sampleShape: [2], classes: 4 }, options, 1);
  const trainer: Trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 1 });
  return trainer.trainStep();
}

export const latest: (directory: string) => Promise<LoadedCheckpoint | null> = loadLatestCheckpoint;
export const recipes = [vcagan.name, infoGan.name] as const;
export const penalty: typeof classifierGradientPenalty = classifierGradientPenalty;

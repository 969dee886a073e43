// A user's script: every package's public entry from plain Node ESM, then a few VCAGAN steps
// on the paper's mixture, with the tarballs installed by npm (not the workspace's links).
import '@tensorflow/tfjs';
import * as backend from '@gantry/backend';
import * as baselines from '@gantry/baselines';
import * as cli from '@gantry/cli';
import * as datasets from '@gantry/datasets';
import * as datasetsNode from '@gantry/datasets/node';
import * as losses from '@gantry/losses';
import * as metrics from '@gantry/metrics';
import * as models from '@gantry/models';
import * as priors from '@gantry/priors';
import * as trainer from '@gantry/trainer';
import * as trainerNode from '@gantry/trainer/node';
import * as vcagan from '@gantry/vcagan';

const expected = {
  '@gantry/backend': [backend, 'selectBackend'],
  '@gantry/baselines': [baselines, 'infoGan'],
  '@gantry/cli': [cli, 'trainConfig'],
  '@gantry/datasets': [datasets, 'gaussianMixture'],
  '@gantry/datasets/node': [datasetsNode, 'readCsvPoints'],
  '@gantry/losses': [losses, 'classifierGradientPenalty'],
  '@gantry/metrics': [metrics, 'clusteringAccuracy'],
  '@gantry/models': [models, 'integratedDiscriminator'],
  '@gantry/priors': [priors, 'categoricalPrior'],
  '@gantry/trainer': [trainer, 'createTrainer'],
  '@gantry/trainer/node': [trainerNode, 'saveCheckpoint'],
  '@gantry/vcagan': [vcagan, 'vcagan'],
};
for (const [name, [module, symbol]] of Object.entries(expected)) {
  if (module[symbol] === undefined) throw new Error(`${name} does not export ${symbol}`);
}
await backend.selectBackend('cpu');
const data = trainer.mixtureSource(datasets.gaussianMixture(datasets.PAPER_GAUSSIAN_MIXTURE));
const setup = vcagan.vcagan.build({ sampleShape: [2], classes: 4 }, { units: 16, layers: 2, lambdaCreg: 0.1 }, 1);
const run = trainer.createTrainer({ setup, data, batchSize: 16, seed: 1, plan: true });
let report;
for (let step = 0; step < 5; step++) report = run.trainStep();
if (report.step !== 5 || !Object.values(report.losses).every(Number.isFinite)) throw new Error(`training went wrong: ${JSON.stringify(report)}`);
console.log(`plain Node ESM: ${Object.keys(expected).length} entries imported; 5 VCAGAN steps, losses ${Object.entries(report.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);

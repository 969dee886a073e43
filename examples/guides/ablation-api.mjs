// Guide "Run an ablation" (docs/guides/ablation.md), from the API: VCAGAN with one term of
// its discriminator phase switched off by createTrainer's `weights`, next to the full recipe.
// node ablation-api.mjs [--steps 10000] [--seed 1] [--backend wasm]
import { parseArgs } from 'node:util';
import { selectBackend } from '@gantry/backend';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { evaluateMixture, mixtureRecovery } from '@gantry/metrics';
import { createTrainer, mixtureSource, train } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, backend: { type: 'string', default: 'wasm' } } });
const seed = Number(values.seed);
await selectBackend(values.backend);

// #region ablation
// The configuration of docs/results/grids/ablation.json (the quick preset's recommended VCAGAN).
const options = { lambdaCreg: 0.1, units: 128, layers: 4, categories: 16, warmupSteps: 2000, recentre: true, recentreAnnealSteps: 2000 };
const variants = {
  full: undefined,
  'no-creg': { discriminator: { creg: 0 } },
  'no-r1': { discriminator: { r1: 0 } },
};
for (const [name, weights] of Object.entries(variants)) {
  const setup = vcagan.build({ sampleShape: [2], classes: undefined }, options, seed);
  const trainer = createTrainer({ setup, data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), seed, weights, generatorEma: 0.999, plan: true });
  console.log(`${name}: discriminator terms and weights ${JSON.stringify(trainer.weights.discriminator)}`);
  await train(trainer, { untilStep: Number(values.steps) });
  const samples = trainer.sample(10_000);
  const evaluation = evaluateMixture({ samples: await samples.x.data(), sampleCategories: samples.categories, prior: trainer.prior.probabilities(), ...PAPER_GAUSSIAN_MIXTURE });
  samples.x.dispose();
  const recovery = mixtureRecovery(evaluation);
  console.log(`  after ${trainer.step} steps: recovered ${recovery.recovered ? 'yes' : 'no'}, TV ${evaluation.totalVariation.toFixed(4)}, ${evaluation.categories.length} categories ≥ 1%`);
  trainer.dispose();
  for (const model of Object.values(setup.networks)) model.dispose();
}
// #endregion ablation

/**
 * A generic GAN trainer: a recipe declares networks, priors and phases of named, weighted
 * loss terms; the trainer runs any recipe with one Adam per network, a seeded random
 * stream, a NaN guard, an optional EMA of the generator's weights, and snapshots that
 * resume a run exactly. Node-only pieces (checkpoints on disk, metrics log, progress bar)
 * are in `@gantry/trainer/node`.
 *
 * @packageDocumentation
 */
export { adam, adamScalars, adamUpdates, disposeAdamState, type Adam, type AdamOptions, type AdamState } from './adam.js';
export { datasetSource, mixtureSource, type DataBatch, type DataSource } from './data.js';
export { weightsEma, type WeightsEma } from './ema.js';
export { NonFiniteLossError } from './errors.js';
export { every, train, TrainingInterruptedError, type Callback } from './loop.js';
export { dueTerms, observedRows, stepIndependent, type DataDescription, type ObservedValue, type Phase, type Recipe, type RecipeSetup, type StepBatch, type Term, type TermContext } from './recipe.js';
export { recordPlan, type KernelPlan, type PlanRecording } from './plan.js';
export { createTrainer, type GeneratedSamples, type StepReport, type Trainer, type TrainerOptions, type TrainerSnapshot } from './trainer.js';

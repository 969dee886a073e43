/**
 * The `gantry` command line as a library: run it in-process (`main(argv, console)`), or
 * reuse its pieces: run configuration, evaluation and pictures.
 *
 * @packageDocumentation
 */
export { main, program } from './cli.js';
export { evalCommand, sampleCommand, trainCommand, type Console, type TrainCommandFlags } from './commands.js';
export { checkConfig, DATASETS, FlagError, PRESETS, RECIPES, trainConfig, type DatasetName, type PresetName, type RunConfig, type TrainFlags } from './config.js';
export { describeSummary, evaluateRun, type RunSummary } from './evaluate.js';
export { imageGridPng, priorHistorySvg, scatterSvg, svgToPng } from './pictures.js';
export { buildTrainer, loadData, type RunData } from './session.js';

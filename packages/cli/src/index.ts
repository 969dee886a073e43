/**
 * The `gantry` command line as a library: run it in-process (`main(argv, console)`), or
 * reuse its pieces: run configuration, evaluation and pictures.
 *
 * @packageDocumentation
 */
export { main, program } from './cli.js';
export { curvesCommand, evalCommand, sampleCommand, sweepCommand, trainCommand, type Console, type SweepCommandFlags, type TrainCommandFlags } from './commands.js';
export { checkConfig, CorruptRunError, DATASETS, FlagError, RunInterruptedError, PRESETS, RECIPES, trainConfig, type DatasetName, type PresetName, type RunConfig, type TrainFlags } from './config.js';
export { describeError, EXIT_CODES } from './errors.js';
export { provenance, type Provenance } from './provenance.js';
export { describeSummary, evaluateRun, type ClusteringSummary, type ImageSummary, type RunSummary } from './evaluate.js';
export { qualityCurve, readCurve, type CurvePoint } from './curves.js';
export { curvesSvg, imageGridPng, priorHistorySvg, scatterSvg, svgToPng } from './pictures.js';
export { buildTrainer, loadData, type RunData } from './session.js';
export {
  arraySpec,
  checkSharedFolder,
  runSlurmCell,
  slurmScript,
  SlurmError,
  submitSlurmSweep,
  sweepStatus,
  taskStates,
  type SlurmJob,
  type SlurmRecord,
  type SlurmSettings,
  type SlurmSweep,
  type SlurmTaskState,
} from './slurm.js';
export {
  cellState,
  parseGrid,
  runCellProcess,
  runSweep,
  withSweepLock,
  sweepCells,
  SweepFailedError,
  sweepRows,
  sweepTable,
  trainOptionTable,
  type CellRun,
  type SweepCell,
  type SweepCellRecord,
  type SweepFlags,
  type SweepGrid,
  type SweepOptions,
  type SweepRecord,
  type SweepRow,
  type TrainOptionTable,
} from './sweep.js';

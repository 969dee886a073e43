/**
 * The Node side of @gantry/trainer: atomic checkpoints on disk, and the callbacks a
 * training run in Node wants: a metrics.jsonl log, checkpoints every N steps, a terminal
 * progress bar, a steps/s meter.
 *
 * @packageDocumentation
 */
export { checkpoints, metricsLog, progressBar, stepRate } from './callbacks.js';
export { CorruptCheckpointError, loadLatestCheckpoint, saveCheckpoint, type LoadedCheckpoint, type SkippedCheckpoint } from './checkpoint.js';

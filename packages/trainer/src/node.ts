/**
 * The Node side of @gantry/trainer: atomic checkpoints on disk, a metrics.jsonl log and a
 * terminal progress bar.
 *
 * @packageDocumentation
 */
export { loadLatestCheckpoint, saveCheckpoint, type LoadedCheckpoint } from './checkpoint.js';

import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { JsonValue } from '@gantry/priors';
import type { Trainer, TrainerSnapshot } from './trainer.js';

const LATEST = 'latest.json';

/** A checkpoint read back: the trainer snapshot and the run's configuration saved with it. */
export interface LoadedCheckpoint {
  readonly step: number;
  readonly path: string;
  readonly snapshot: TrainerSnapshot;
  readonly config: JsonValue;
}

async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function stepName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/**
 * Writes the trainer's whole state (weights, Adam moments, generator EMA, P(C), step,
 * randomness, data position) and `config` to `directory/step-NNNNNNNN/`, then points
 * `directory/latest.json` at it. Every file is written under a temporary name, synced and
 * renamed, the folder first and `latest.json` last: a kill at any moment leaves
 * `latest.json` naming a complete checkpoint. Keeps the newest `keep` checkpoints.
 */
export async function saveCheckpoint(directory: string, trainer: Trainer, config: JsonValue, options: { readonly keep?: number } = {}): Promise<string> {
  const snapshot = trainer.snapshot();
  const name = stepName(snapshot.json.step);
  const final = join(directory, name);
  const temporary = join(directory, `.${name}.${process.pid}.tmp`);
  try {
    const { data, specs } = await tf.io.encodeWeights(snapshot.tensors);
    await mkdir(temporary, { recursive: true });
    await writeSynced(join(temporary, 'tensors.bin'), new Uint8Array(data));
    await writeSynced(join(temporary, 'state.json'), JSON.stringify({ ...snapshot.json, config, tensorSpecs: specs }));
  } finally {
    tf.dispose(snapshot.tensors);
  }
  await rm(final, { recursive: true, force: true });
  await rename(temporary, final);
  const latestTemporary = join(directory, `.${LATEST}.${process.pid}.tmp`);
  await writeSynced(latestTemporary, JSON.stringify({ step: snapshot.json.step, path: name }));
  await rename(latestTemporary, join(directory, LATEST));
  const keep = options.keep ?? 3;
  const older = (await readdir(directory)).filter((entry) => /^step-\d{8}$/.test(entry) && entry < name).sort();
  await Promise.all(older.slice(0, Math.max(0, older.length - (keep - 1))).map((entry) => rm(join(directory, entry), { recursive: true, force: true })));
  return final;
}

/** Reads the checkpoint `directory/latest.json` names, or returns null when there is none. */
export async function loadLatestCheckpoint(directory: string): Promise<LoadedCheckpoint | null> {
  let latest: { step: number; path: string };
  try {
    latest = JSON.parse(await readFile(join(directory, LATEST), 'utf8')) as { step: number; path: string };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const path = join(directory, latest.path);
  const state = JSON.parse(await readFile(join(path, 'state.json'), 'utf8')) as TrainerSnapshot['json'] & { config: JsonValue; tensorSpecs: tf.io.WeightsManifestEntry[] };
  const bytes = await readFile(join(path, 'tensors.bin'));
  const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), state.tensorSpecs);
  const { config, tensorSpecs, ...json } = state;
  if (tensorSpecs.length !== Object.keys(tensors).length) throw new Error(`${path}: tensors.bin holds ${Object.keys(tensors).length} tensors, state.json lists ${tensorSpecs.length}.`);
  return { step: latest.step, path, snapshot: { json, tensors }, config };
}

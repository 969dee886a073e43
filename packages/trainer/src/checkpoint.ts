import { createHash } from 'node:crypto';
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
  } catch (error) {
    // A failed write through a file handle (ENOSPC) does not name its file: name it.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent: a FileHandle's writeFile and sync reject with Errors that carry no path (the ENOSPC test pins the assignment)
    if (error instanceof Error && (error as NodeJS.ErrnoException).path === undefined) Object.assign(error, { path });
    throw error;
  } finally {
    await handle.close();
  }
}

/** A checkpoint folder's name, exactly: the prune and the scan skip anything else. */
const STEP_FOLDER = /^step-\d{8}$/;

function stepName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/**
 * Writes the trainer's whole state (weights, Adam moments, generator EMA, P(C), step,
 * randomness, data position) and `config` to `directory/step-NNNNNNNN/`, then points
 * `directory/latest.json` at it. Every file is written under a temporary name, synced and
 * renamed, the folder first and `latest.json` last: a kill at any moment leaves
 * `latest.json` naming a complete checkpoint. state.json records the size and SHA-256 of
 * tensors.bin and its own digest, which {@link loadLatestCheckpoint} checks. Keeps the
 * newest `keep` checkpoints.
 */
export async function saveCheckpoint(directory: string, trainer: Trainer, config: JsonValue, options: { readonly keep?: number } = {}): Promise<string> {
  const snapshot = trainer.snapshot();
  const name = stepName(snapshot.json.step);
  const final = join(directory, name);
  const temporary = join(directory, `.${name}.${process.pid}.tmp`);
  try {
    const { data, specs } = await tf.io.encodeWeights(snapshot.tensors);
    await mkdir(temporary, { recursive: true });
    const tensorsBin = new Uint8Array(data);
    await writeSynced(join(temporary, 'tensors.bin'), tensorsBin);
    // Sizes and digests, so that a resume can tell a damaged checkpoint before loading it.
    const body = { ...snapshot.json, config, tensorSpecs: specs, files: { 'tensors.bin': { bytes: tensorsBin.byteLength, sha256: sha256(tensorsBin) } } };
    await writeSynced(join(temporary, 'state.json'), JSON.stringify({ ...body, sha256: sha256(JSON.stringify(body)) }));
  } catch (error) {
    // A failed write (a full disk) leaves no half-written folder behind: the last complete
    // checkpoint stays the newest one.
    await rm(temporary, { recursive: true, force: true });
    throw error;
  } finally {
    tf.dispose(snapshot.tensors);
  }
  await rm(final, { recursive: true, force: true });
  await rename(temporary, final);
  const latestTemporary = join(directory, `.${LATEST}.${process.pid}.tmp`);
  await writeSynced(latestTemporary, JSON.stringify({ step: snapshot.json.step, path: name }));
  await rename(latestTemporary, join(directory, LATEST));
  const keep = options.keep ?? 3;
  const older = (await readdir(directory)).filter((entry) => STEP_FOLDER.test(entry) && entry < name);
  // Stryker disable next-line MethodExpression: equivalent in Node, whose readdir (libuv's scandir) already returns names sorted; kept so that the order does not rest on it
  older.sort();
  // Stryker disable next-line BooleanLiteral: equivalent but for a race: force only matters if another process removes a folder between the listing and here
  await Promise.all(older.slice(0, Math.max(0, older.length - (keep - 1))).map((entry) => rm(join(directory, entry), { recursive: true, force: true })));
  return final;
}

/** A checkpoint that failed its check: where, and what was expected against what was found. */
export interface SkippedCheckpoint {
  readonly path: string;
  readonly reason: string;
}

/** No intact checkpoint in a folder that holds some: each one's path and what is wrong with it. */
export class CorruptCheckpointError extends Error {
  override readonly name = 'CorruptCheckpointError';

  constructor(
    readonly directory: string,
    readonly skipped: readonly SkippedCheckpoint[],
  ) {
    super(`no intact checkpoint in ${directory}: ${skipped.map((entry) => `${entry.path}: ${entry.reason}`).join('; ')}`);
  }
}

type StateFile = TrainerSnapshot['json'] & { config: JsonValue; tensorSpecs: tf.io.WeightsManifestEntry[]; files?: Record<string, { bytes: number; sha256: string }>; sha256?: string };

/** Reads and checks one checkpoint folder; a string says why it is not intact. */
async function readCheckpoint(path: string): Promise<LoadedCheckpoint | string> {
  let text: string;
  try {
    // Stryker disable next-line StringLiteral: equivalent: without an encoding readFile gives a Buffer, which JSON.parse reads as UTF-8 and Buffer.byteLength measures alike
    text = await readFile(join(path, 'state.json'), 'utf8');
  } catch (error) {
    return `state.json cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  let state: StateFile;
  try {
    state = JSON.parse(text) as StateFile;
  } catch {
    return `state.json is not JSON (${Buffer.byteLength(text)} bytes)`;
  }
  // JSON.parse may give null or a number, string or boolean: none has tensorSpecs.
  if (!Array.isArray((state as { tensorSpecs?: unknown } | null)?.tensorSpecs)) return 'state.json is not a Gantry checkpoint state (no tensorSpecs)';
  const { sha256: recorded, ...body } = state;
  // Checkpoints written before integrity records (no sha256) are read as they are.
  if (recorded !== undefined && sha256(JSON.stringify(body)) !== recorded) return `state.json: expected SHA-256 ${recorded}, got ${sha256(JSON.stringify(body))}`;
  let bytes: Buffer;
  try {
    bytes = await readFile(join(path, 'tensors.bin'));
  } catch (error) {
    return `tensors.bin cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  const expected = state.files?.['tensors.bin'];
  if (expected !== undefined) {
    if (bytes.byteLength !== expected.bytes) return `tensors.bin: expected ${expected.bytes} bytes, got ${bytes.byteLength}`;
    const actual = sha256(bytes);
    if (actual !== expected.sha256) return `tensors.bin: expected SHA-256 ${expected.sha256}, got ${actual}`;
  }
  const needed = state.tensorSpecs.reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1) * (spec.dtype === 'bool' ? 1 : 4), 0);
  if (needed !== bytes.byteLength) return `tensors.bin: expected ${needed} bytes (state.json's tensorSpecs), got ${bytes.byteLength}`;
  const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, state.tensorSpecs);
  const { config, tensorSpecs, files, ...json } = body;
  void files;
  if (tensorSpecs.length !== Object.keys(tensors).length) {
    tf.dispose(Object.values(tensors));
    return `tensors.bin holds ${Object.keys(tensors).length} tensors, state.json lists ${tensorSpecs.length}`;
  }
  return { step: json.step, path, snapshot: { json, tensors }, config };
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Reads the newest intact checkpoint in `directory`: the one `latest.json` names, checked
 * against the sizes and SHA-256 digests its state.json records, before anything is loaded;
 * if that one is corrupt or `latest.json` itself is, the step folders newest first.
 * `onSkip` hears each checkpoint passed over and why (expected against actual). Returns
 * null when the folder holds no checkpoint; throws {@link CorruptCheckpointError} when it
 * holds some and none is intact.
 */
export async function loadLatestCheckpoint(directory: string, options: { readonly onSkip?: (skipped: SkippedCheckpoint) => void } = {}): Promise<LoadedCheckpoint | null> {
  const skipped: SkippedCheckpoint[] = [];
  const skip = (entry: SkippedCheckpoint): void => {
    skipped.push(entry);
    options.onSkip?.(entry);
  };
  let named: string | null = null;
  let latestText: string | null = null;
  try {
    latestText = await readFile(join(directory, LATEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') skip({ path: join(directory, LATEST), reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); scanning the step folders` });
  }
  if (latestText !== null) {
    try {
      const latest = JSON.parse(latestText) as { path?: unknown };
      // Stryker disable next-line StringLiteral: equivalent: the message is caught just below, which reports its own
      if (typeof latest.path !== 'string' || !STEP_FOLDER.test(latest.path)) throw new Error('no step folder');
      named = latest.path;
    } catch {
      skip({ path: join(directory, LATEST), reason: `expected {"step": n, "path": "step-NNNNNNNN"}, got ${JSON.stringify(latestText.slice(0, 40))}; scanning the step folders` });
    }
  }
  let folders: string[] = [];
  try {
    folders = (await readdir(directory)).filter((entry) => STEP_FOLDER.test(entry));
    // Stryker disable next-line MethodExpression: equivalent in Node, whose readdir already returns names sorted (as above)
    folders.sort();
    folders.reverse();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const candidates = named === null ? folders : [named, ...folders.filter((entry) => entry !== named)];
  for (const name of candidates) {
    const path = join(directory, name);
    const loaded = await readCheckpoint(path);
    if (typeof loaded !== 'string') return loaded;
    skip({ path, reason: loaded });
  }
  if (skipped.length === 0) return null;
  throw new CorruptCheckpointError(directory, skipped);
}

// Helpers shared by this package's tests; not part of the published build.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@gantry/backend';
import { afterAll, beforeAll } from 'vitest';

/** The message of the InvalidArgumentError that `promise` rejects with; throws if it rejects with anything else or resolves. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.message;
    throw new Error(`expected an InvalidArgumentError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected an InvalidArgumentError, but nothing was thrown');
}

/** The bytes of an IDX file: magic 0x00 0x00, type, rank, big-endian dimensions, then `body`. */
export function idxBytes(type: number, shape: readonly number[], body: readonly number[]): Uint8Array {
  const header = [0, 0, type, shape.length, ...shape.flatMap((size) => [(size >>> 24) & 255, (size >>> 16) & 255, (size >>> 8) & 255, size & 255])];
  return Uint8Array.from([...header, ...body]);
}

/**
 * A fresh temporary folder for the calling test file: made before its tests, removed after
 * them. Returns the folder's path (read it inside tests, once the folder exists).
 */
export function useTemporaryFolder(): () => string {
  let path = '';
  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), 'gantry-datasets-'));
  });
  afterAll(async () => {
    await rm(path, { recursive: true, force: true });
  });
  return () => path;
}

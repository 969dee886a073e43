import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidArgumentError } from '@gantry/backend';
import type { Dataset } from './dataset.js';
import { isGzip, parseIdxAs, type IdxArray } from './idx.js';
import { parseCsv, parseJson, type CsvPointsOptions } from './points.js';

const inflate = promisify(gunzip);

/** An error's message, for the `actual` part of a message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The bytes of a file, or an InvalidArgumentError naming it. */
export async function readBytes(caller: string, argument: string, path: string): Promise<Buffer> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(caller, argument, 'a file path', typeof path === 'string' ? '""' : typeof path);
  try {
    return await readFile(path);
  } catch (error) {
    throw new InvalidArgumentError(caller, argument, 'a readable file', `${JSON.stringify(path)} (${describeError(error)})`);
  }
}

/** Reads an IDX file and parses it, inflating it first when its bytes are gzipped; {@link readIdx} under another caller's name. */
export async function readIdxAs(caller: string, path: string): Promise<IdxArray> {
  const bytes = await readBytes(caller, 'path', path);
  if (!isGzip(bytes)) return parseIdxAs(caller, bytes, path);
  let inflated: Uint8Array;
  try {
    inflated = await inflate(bytes);
  } catch (error) {
    throw new InvalidArgumentError(caller, path, 'a complete gzip stream', `a broken one (${describeError(error)})`);
  }
  // Byte offsets in messages then count in the inflated bytes.
  return parseIdxAs(caller, inflated, `${path} (inflated)`);
}

/**
 * Reads an IDX file (see `parseIdx`), gzipped or not: gzip is detected by its magic
 * number 0x1f 0x8b, whatever the file's name. A missing file, a broken gzip stream, a wrong
 * magic number, a truncated file or trailing bytes throw an `InvalidArgumentError` naming
 * the file (and the byte offset).
 */
export async function readIdx(path: string): Promise<IdxArray> {
  return readIdxAs('readIdx', path);
}

/**
 * Reads a numeric CSV file of points into a {@link Dataset} (see `parseCsvPoints` for the
 * options and the strict checks); errors name the file, the line and the column.
 */
export async function readCsvPoints(path: string, options: Omit<CsvPointsOptions, 'source'> = {}): Promise<Dataset> {
  const bytes = await readBytes('readCsvPoints', 'path', path);
  return parseCsv('readCsvPoints', new TextDecoder().decode(bytes), { ...options, source: path });
}

/**
 * Reads a JSON file of points (`[[x, y], …]` or `{ "points": …, "labels": … }`) into a
 * {@link Dataset} (see `parseJsonPoints`); errors name the file and the JSON path.
 */
export async function readJsonPoints(path: string): Promise<Dataset> {
  const bytes = await readBytes('readJsonPoints', 'path', path);
  return parseJson('readJsonPoints', new TextDecoder().decode(bytes), { source: path });
}

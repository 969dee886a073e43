import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsvPoints, readIdx, readJsonPoints } from './node.js';
import { useBackend } from '@gantry/backend/testing';
import { idxBytes as idx, rejection, useTemporaryFolder } from './test-support/files.js';

const folder = useTemporaryFolder();

beforeAll(async () => {
  await useBackend('cpu');
});

describe('file readers', () => {
  it('IDX: a truncated file names the file, the offset, the expected and the actual length; gzipped too', async () => {
    const path = join(folder(), 'truncated-idx3-ubyte');
    const whole = idx(0x08, [3, 2, 2], new Array(12).fill(9));
    await writeFile(path, whole.subarray(0, 20));
    expect(await rejection(readIdx(path))).toBe(
      `readIdx: ${path} must be 28 bytes long (a 16-byte header and 3 × 2 × 2 uint8 values), got 20 bytes (truncated at byte offset 20).`,
    );
    await writeFile(`${path}.gz`, gzipSync(whole.subarray(0, 20)));
    expect(await rejection(readIdx(`${path}.gz`))).toBe(
      `readIdx: ${path}.gz (inflated) must be 28 bytes long (a 16-byte header and 3 × 2 × 2 uint8 values), got 20 bytes (truncated at byte offset 20).`,
    );
    // A gzip stream cut short.
    const gzipped = gzipSync(whole);
    await writeFile(`${path}.gz`, gzipped.subarray(0, gzipped.length - 10));
    expect(await rejection(readIdx(`${path}.gz`))).toBe(`readIdx: ${path}.gz must be a complete gzip stream, got a broken one (unexpected end of file).`);
    await writeFile(`${path}.gz`, gzipped);
    expect(Array.from((await readIdx(`${path}.gz`)).data)).toEqual(new Array(12).fill(9));
  });

  it('IDX: a wrong magic number and trailing bytes name the file', async () => {
    const path = join(folder(), 'not-idx');
    await writeFile(path, Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    expect(await rejection(readIdx(path))).toBe(`readIdx: ${path} byte offset 0 must be the IDX magic number 0x00 0x00 <type> <dimensions>, got 0x50 0x4b 0x03 0x04.`);
    await writeFile(path, idx(0x08, [2], [1, 2, 3]));
    expect(await rejection(readIdx(path))).toBe(`readIdx: ${path} must be 10 bytes long (a 8-byte header and 2 uint8 values), got 11 bytes (1 trailing byte from byte offset 10).`);
    const missing = join(folder(), 'missing-idx1-ubyte');
    expect(await rejection(readIdx(missing))).toBe(
      `readIdx: path must be a readable file, got ${JSON.stringify(missing)} (ENOENT: no such file or directory, open '${missing}').`,
    );
  });

  it('CSV and JSON files: errors name the file, the line and column or the JSON path', async () => {
    const csv = join(folder(), 'points.csv');
    await writeFile(csv, 'x,y,label\n0.5,1,0\n2,oops,1\n');
    expect(await rejection(readCsvPoints(csv, { labelColumn: 'label' }))).toBe(`readCsvPoints: ${csv} line 3, column 2 must be a number, got "oops".`);
    await writeFile(csv, 'x,y\n0.5,1\n2\n');
    expect(await rejection(readCsvPoints(csv))).toBe(`readCsvPoints: ${csv} line 3 must be 2 cells (as on line 1), got 1 cell.`);
    await writeFile(csv, '');
    expect(await rejection(readCsvPoints(csv))).toBe(`readCsvPoints: ${csv} must be CSV text with at least one row of numbers, got no rows (empty).`);
    await writeFile(csv, 'x,y,label\n0.5,1,0\n2,3,1\n');
    const points = await readCsvPoints(csv, { labelColumn: 'label' });
    expect([points.source, Array.from(points.values), Array.from(points.labels ?? [])]).toEqual([csv, [0.5, 1, 2, 3], [0, 1]]);

    const json = join(folder(), 'points.json');
    await writeFile(json, '{"points": [[1, 2], [3, "4"]]}');
    expect(await rejection(readJsonPoints(json))).toBe(`readJsonPoints: ${json} points[1][1] must be a number, got "4".`);
    await writeFile(json, '[]');
    expect(await rejection(readJsonPoints(json))).toBe(`readJsonPoints: ${json} must be at least one point, got an empty array.`);
    await writeFile(json, '[[1, 2], [3, 4]]');
    expect(Array.from((await readJsonPoints(json)).values)).toEqual([1, 2, 3, 4]);
  });
});

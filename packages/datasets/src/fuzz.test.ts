import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { InvalidArgumentError } from '@gantry/backend';
import { useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvPoints, readIdx, readJsonPoints, readPngFolder } from './node.js';

/** A small seeded generator (mulberry32): the same 200 mutations on every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One random mutation of `bytes`: flipped bytes, a truncation, inserted or deleted bytes, a duplicated span, or an interesting value. */
function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const at = (n: number): number => Math.floor(random() * n);
  const copy = Array.from(bytes);
  const kind = at(6);
  if (kind === 0) for (let i = 0, n = 1 + at(4); i < n && copy.length > 0; i++) copy[at(copy.length)] = at(256);
  else if (kind === 1) copy.length = at(copy.length);
  else if (kind === 2) copy.splice(at(copy.length + 1), 0, ...Array.from({ length: 1 + at(8) }, () => at(256)));
  else if (kind === 3) copy.splice(at(copy.length), 1 + at(8));
  else if (kind === 4) {
    const start = at(copy.length);
    copy.splice(start, 0, ...copy.slice(start, start + 1 + at(16)));
  } else {
    const values = ['NaN', '-1', '1e309', '""', 'null', '\u0000', ',', '\n', '[', '}', '0x', '99999999999'];
    copy.splice(at(copy.length + 1), 0, ...new TextEncoder().encode(values[at(values.length)]));
  }
  return Uint8Array.from(copy);
}

function idx(values: number[], dims: number[]): Uint8Array {
  const header = [0, 0, 0x08, dims.length];
  const sizes = dims.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]);
  return Uint8Array.from([...header, ...sizes, ...values]);
}

function png(seed: number): Uint8Array {
  const image = new PNG({ width: 4, height: 4 });
  for (let p = 0; p < 16; p++) image.data.set([(p * 37 + seed) % 256, (p * 11) % 256, 0, 255], p * 4);
  return PNG.sync.write(image, { colorType: 0 });
}

// 200 mutated inputs, 50 of each kind, from one seed. Each must load, or fail with the
// library's one clean error type (InvalidArgumentError: the argument, the expected and the
// actual value): never a TypeError, a RangeError, an unhandled parser error, or a hang.
describe('fuzzing the file readers: 200 seeded mutations', () => {
  let root = '';
  beforeAll(async () => {
    await useBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'gantry-fuzz-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const CASES = {
    csv: { base: new TextEncoder().encode('x,y,label\n0.5,1,0\n-2,3.25,1\n4,5,2\n1e-3,7,0\n'), read: (path: string) => readCsvPoints(path, { labelColumn: 'label' }), name: 'points.csv' },
    json: { base: new TextEncoder().encode('{"points": [[0.5, 1], [-2, 3.25], [4, 5]], "labels": [0, 1, 2]}'), read: readJsonPoints, name: 'points.json' },
    idx: { base: idx([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 2, 2]), read: readIdx, name: 'images.idx' },
    png: { base: png(0), read: (path: string) => readPngFolder(join(path, '..')), name: 'image.png' },
  } as const;

  it.each(Object.keys(CASES) as (keyof typeof CASES)[])('%s: 50 mutations give a dataset or one clean error', async (kind) => {
    const { base, read, name } = CASES[kind];
    const random = generator(0x5eed + kind.length);
    const outcomes = { loaded: 0, refused: 0 };
    for (let i = 0; i < 50; i++) {
      const folder = join(root, `${kind}-${i}`);
      await mkdir(folder, { recursive: true });
      const path = join(folder, name);
      await writeFile(path, mutate(base, random));
      try {
        const loaded = await read(path);
        // A dataset has samples; an IDX array has values for its whole shape.
        if ('size' in loaded) expect(loaded.size).toBeGreaterThan(0);
        else expect(loaded.data.length).toBe(loaded.shape.reduce((a, b) => a * b, 1));
        outcomes.loaded += 1;
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw new Error(`${kind} mutation ${i}: ${String(error)} (${(error as Error).name}) is not a clean error`, { cause: error });
        expect(error.message).not.toMatch(/undefined|\[object Object\]/);
        outcomes.refused += 1;
      }
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(outcomes.loaded + outcomes.refused).toBe(50);
    expect(outcomes.refused).toBeGreaterThan(0);
    console.log(`fuzz ${kind}: ${outcomes.loaded} loaded, ${outcomes.refused} refused with a clean error`);
  }, 60_000);
});

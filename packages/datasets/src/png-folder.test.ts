import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherBatch } from './index.js';
import { readPngFolder } from './node.js';
import { useBackend } from '@gantry/backend/testing';
import { rejection, useTemporaryFolder } from './test-support/files.js';

const folder = useTemporaryFolder();

beforeAll(async () => {
  await useBackend('cpu');
});

/** Writes a PNG of the given RGBA pixels (row-major) as colour type 0 (gray), 2 (RGB) or 6 (RGBA). */
async function writePng(path: string, width: number, height: number, rgba: readonly number[], colorType: 0 | 2 | 6): Promise<void> {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  await writeFile(path, PNG.sync.write(png, { colorType }));
}

/** RGBA pixels of a gray image. */
function gray(values: readonly number[]): number[] {
  return values.flatMap((v) => [v, v, v, 255]);
}

describe('PNG folders', () => {
  it('reads gray images in sorted order, scaled to [−1, 1]; non-PNG files are ignored', async () => {
    const directory = join(folder(), 'gray');
    await mkdir(directory);
    await writePng(join(directory, 'b.png'), 2, 1, gray([255, 51]), 0);
    await writePng(join(directory, 'a.png'), 2, 1, gray([0, 255]), 0);
    await writeFile(join(directory, 'notes.txt'), 'not an image');
    const dataset = await readPngFolder(directory);
    expect([dataset.size, dataset.sampleShape, dataset.source]).toEqual([2, [1, 2, 1], directory]);
    expect(Array.from(dataset.values)).toEqual([0, 255, 255, 51]);
    const batch = gatherBatch(dataset, [0, 1]);
    // 2·51/255 − 1 = −0.6.
    expect(Array.from(batch.x.dataSync())).toEqual([-1, 1, 1, Math.fround(-0.6)]);
    batch.x.dispose();
    // Gray repeated on three channels when asked.
    expect(Array.from((await readPngFolder(directory, { channels: 3 })).values)).toEqual([0, 0, 0, 255, 255, 255, 255, 255, 255, 51, 51, 51]);
  });

  it('reads colour images as RGB (alpha dropped) or gray by luma', async () => {
    const directory = join(folder(), 'colour');
    await mkdir(directory);
    await writePng(join(directory, '1.png'), 1, 2, [255, 0, 0, 128, 10, 20, 30, 255], 6);
    await writePng(join(directory, '2.png'), 1, 2, gray([7, 8]), 2);
    const rgb = await readPngFolder(directory);
    expect(rgb.sampleShape).toEqual([2, 1, 3]);
    expect(Array.from(rgb.values)).toEqual([255, 0, 0, 10, 20, 30, 7, 7, 7, 8, 8, 8]);
    // 0.299·255 = 76.245 → 76; 0.299·10 + 0.587·20 + 0.114·30 = 18.15 → 18.
    const luma = await readPngFolder(directory, { channels: 1 });
    expect(Array.from(luma.values)).toEqual([76, 18, 7, 8]);
  });

  it('rejects images of different sizes, naming the file and both sizes; an empty folder; a broken PNG', async () => {
    const directory = join(folder(), 'sizes');
    await mkdir(directory);
    await writePng(join(directory, 'a.png'), 2, 2, gray([1, 2, 3, 4]), 0);
    await writePng(join(directory, 'b.png'), 2, 2, gray([1, 2, 3, 4]), 0);
    await writePng(join(directory, 'c.png'), 3, 2, gray([1, 2, 3, 4, 5, 6]), 0);
    expect(await rejection(readPngFolder(directory))).toBe(`readPngFolder: ${join(directory, 'c.png')} must be 2×2 pixels (the size of ${join(directory, 'a.png')}), got 3×2 pixels.`);

    const empty = join(folder(), 'empty');
    await mkdir(empty);
    expect(await rejection(readPngFolder(empty))).toBe(`readPngFolder: ${empty} must be a folder holding at least one .png file, got an empty folder.`);
    await writeFile(join(empty, 'readme.txt'), 'no images here');
    expect(await rejection(readPngFolder(empty))).toBe(`readPngFolder: ${empty} must be a folder holding at least one .png file, got no .png file among 1 entry.`);

    await writeFile(join(empty, 'broken.png'), 'not a png');
    expect(await rejection(readPngFolder(empty))).toBe(
      `readPngFolder: ${join(empty, 'broken.png')} must be a valid PNG image, got a file without the PNG signature (it starts with 0x6e 0x6f 0x74 0x20 0x61 0x20 0x70 0x6e).`,
    );
    const whole = await readFile(join(directory, 'a.png'));
    await writeFile(join(empty, 'broken.png'), whole.subarray(0, whole.length - 20));
    expect(await rejection(readPngFolder(empty))).toMatch(new RegExp(`^readPngFolder: ${join(empty, 'broken.png')} must be a valid PNG image, got a broken one \\(.+\\)\\.$`));
    expect(await rejection(readPngFolder(empty, { channels: 2 as 1 }))).toBe('readPngFolder: options.channels must be 1 or 3, got 2.');
    const missing = join(folder(), 'no-such-folder');
    expect(await rejection(readPngFolder(missing))).toBe(
      `readPngFolder: directory must be a readable folder, got ${JSON.stringify(missing)} (ENOENT: no such file or directory, scandir '${missing}').`,
    );
  });
});

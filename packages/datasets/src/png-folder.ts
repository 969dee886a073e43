import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@gantry/backend';
import { PNG } from 'pngjs';
import { inMemoryDataset, type Dataset } from './dataset.js';
import { describeError, readBytes } from './read-files.js';

/** Options of {@link readPngFolder}. */
export interface PngFolderOptions {
  /**
   * 1 (grayscale) or 3 (RGB). Colour images become gray by luma (0.299 R + 0.587 G +
   * 0.114 B, rounded), gray images are repeated on three channels. Default: 1 when every
   * image is stored as grayscale, else 3.
   */
  readonly channels?: 1 | 3;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether a PNG's header says grayscale (colour types 0 and 4); byte 25 is the colour type of IHDR. */
function storedAsGray(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((byte, i) => bytes[i] === byte) && (bytes[25] === 0 || bytes[25] === 4);
}

interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 bits per channel, whatever the file's bit depth and colour type. */
  readonly data: Uint8Array;
}

/** Decodes one PNG file, or throws an InvalidArgumentError naming it. */
function decodePng(caller: string, path: string, bytes: Buffer): DecodedPng {
  if (!PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) {
    const start = Array.from(bytes.subarray(0, 8), (byte) => `0x${byte.toString(16).padStart(2, '0')}`).join(' ');
    throw new InvalidArgumentError(caller, path, 'a valid PNG image', `a file without the PNG signature (it starts ${start === '' ? 'empty' : `with ${start}`})`);
  }
  try {
    const { width, height, data } = PNG.sync.read(bytes);
    return { width, height, data };
  } catch (error) {
    throw new InvalidArgumentError(caller, path, 'a valid PNG image', `a broken one (${describeError(error)})`);
  }
}

/**
 * Reads every `.png` file of a folder (not its subfolders), in sorted file-name order, into
 * a {@link Dataset} of sample shape [height, width, channels], kept as uint8 and scaled to
 * [−1, 1] as batches are built: images for an image GAN. Any bit depth and colour type is
 * read; alpha is dropped. All images must share one size: the first that differs throws an
 * `InvalidArgumentError` naming it and both sizes; so does a folder without PNG files or a
 * file that is not a valid PNG.
 */
export async function readPngFolder(directory: string, options: PngFolderOptions = {}): Promise<Dataset> {
  const caller = 'readPngFolder';
  if (typeof directory !== 'string' || directory === '') throw new InvalidArgumentError(caller, 'directory', 'a folder path', JSON.stringify(directory) ?? typeof directory);
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(caller, 'options', 'an object', options === null ? 'null' : typeof options);
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    throw new InvalidArgumentError(caller, 'options.channels', '1 or 3', JSON.stringify(options.channels) ?? typeof options.channels);
  }
  let entries: { name: string; isFile(): boolean }[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    throw new InvalidArgumentError(caller, 'directory', 'a readable folder', `${JSON.stringify(directory)} (${describeError(error)})`);
  }
  const names = entries
    .filter((entry) => entry.isFile() && /\.png$/i.test(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new InvalidArgumentError(caller, directory, 'a folder holding at least one .png file', entries.length === 0 ? 'an empty folder' : `no .png file among ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}`);
  }
  // One file at a time: a folder of 60,000 images must not open 60,000 files at once.
  const files: { path: string; bytes: Buffer }[] = [];
  for (const name of names) files.push({ path: join(directory, name), bytes: await readBytes(caller, 'file', join(directory, name)) });
  const channels = options.channels ?? (files.every((file) => storedAsGray(file.bytes)) ? 1 : 3);
  // Decoded one at a time into the final array: only one image's RGBA is held at once.
  let values = new Uint8Array(0);
  let width = 0;
  let height = 0;
  for (const [index, file] of files.entries()) {
    const image = decodePng(caller, file.path, file.bytes);
    if (index === 0) {
      ({ width, height } = image);
      values = new Uint8Array(files.length * width * height * channels);
    } else if (image.width !== width || image.height !== height) {
      throw new InvalidArgumentError(caller, file.path, `${width}×${height} pixels (the size of ${(files[0] as { path: string }).path})`, `${image.width}×${image.height} pixels`);
    }
    const rgba = image.data;
    const pixels = width * height;
    const base = index * pixels * channels;
    for (let p = 0; p < pixels; p++) {
      const r = rgba[4 * p] as number;
      const g = rgba[4 * p + 1] as number;
      const b = rgba[4 * p + 2] as number;
      if (channels === 1) {
        values[base + p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      } else {
        values[base + 3 * p] = r;
        values[base + 3 * p + 1] = g;
        values[base + 3 * p + 2] = b;
      }
    }
  }
  return inMemoryDataset({ values, sampleShape: [height, width, channels], scale: 2 / 255, offset: -1, source: directory });
}

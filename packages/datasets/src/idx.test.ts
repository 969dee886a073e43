import { describe, expect, it } from 'vitest';
import { isGzip, parseIdx } from './index.js';
import { invalidArgumentMessage } from '@gantry/backend/testing';
import { idxBytes as idx } from './test-support/files.js';

describe('IDX parsing', () => {
  it('reads uint8 as a view of the bytes, with its shape', () => {
    const bytes = idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255]);
    const parsed = parseIdx(bytes);
    expect(parsed.type).toBe('uint8');
    expect(parsed.shape).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([0, 1, 2, 253, 254, 255]);
    expect(parsed.data.buffer).toBe(bytes.buffer);
  });

  it('reads the signed and floating-point types, big-endian', () => {
    expect(Array.from(parseIdx(idx(0x09, [2], [0x7f, 0x80])).data)).toEqual([127, -128]);
    expect(Array.from(parseIdx(idx(0x0b, [2], [0x01, 0x02, 0xff, 0xfe])).data)).toEqual([258, -2]);
    expect(Array.from(parseIdx(idx(0x0c, [1], [0xff, 0xff, 0xff, 0xfd])).data)).toEqual([-3]);
    // 1.5 = 0x3fc00000 (float32), −2 = 0xc000000000000000 (float64).
    expect(Array.from(parseIdx(idx(0x0d, [1, 1], [0x3f, 0xc0, 0, 0])).data)).toEqual([1.5]);
    const float64 = parseIdx(idx(0x0e, [1], [0xc0, 0, 0, 0, 0, 0, 0, 0]));
    expect([float64.type, Array.from(float64.data)]).toEqual(['float64', [-2]]);
  });

  it('rejects a wrong magic number, with a hint for gzip', () => {
    expect(invalidArgumentMessage(() => parseIdx(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), 'digits.png'))).toBe(
      'parseIdx: digits.png byte offset 0 must be the IDX magic number 0x00 0x00 <type> <dimensions>, got 0x89 0x50 0x4e 0x47.',
    );
    const gzipped = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0]);
    expect(isGzip(gzipped)).toBe(true);
    expect(invalidArgumentMessage(() => parseIdx(gzipped, 'x.gz'))).toBe(
      'parseIdx: x.gz byte offset 0 must be the IDX magic number 0x00 0x00 <type> <dimensions>, got 0x1f 0x8b 0x08 0x00 (a gzip header: inflate it first, as readIdx from @gantry/datasets/node does).',
    );
    expect(invalidArgumentMessage(() => parseIdx(idx(0x07, [1], [0])))).toBe(
      'parseIdx: <bytes> byte offset 2 must be an IDX type code (0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64), got 0x07.',
    );
    expect(invalidArgumentMessage(() => parseIdx(idx(0x08, [], [])))).toBe('parseIdx: <bytes> byte offset 3 must be a number of dimensions >= 1, got 0.');
  });

  it('rejects a truncated file, naming the offset, the expected and the actual length', () => {
    const whole = idx(0x08, [3, 2, 2], new Array(12).fill(7));
    expect(invalidArgumentMessage(() => parseIdx(whole.subarray(0, 25), 'images'))).toBe(
      'parseIdx: images must be 28 bytes long (a 16-byte header and 3 × 2 × 2 uint8 values), got 25 bytes (truncated at byte offset 25).',
    );
    expect(invalidArgumentMessage(() => parseIdx(whole.subarray(0, 10), 'images'))).toBe(
      'parseIdx: images must be at least 16 bytes long (the header of 3 dimensions), got 10 bytes (truncated at byte offset 10).',
    );
    expect(invalidArgumentMessage(() => parseIdx(whole.subarray(0, 3), 'images'))).toBe(
      'parseIdx: images must be at least 4 bytes long (the IDX magic number), got 3 bytes (truncated at byte offset 3).',
    );
    expect(invalidArgumentMessage(() => parseIdx(idx(0x0c, [2], [0, 0, 0, 1, 0, 0])))).toBe(
      'parseIdx: <bytes> must be 16 bytes long (a 8-byte header and 2 int32 values), got 14 bytes (truncated at byte offset 14).',
    );
  });

  it('rejects trailing bytes', () => {
    expect(invalidArgumentMessage(() => parseIdx(idx(0x08, [2], [1, 2, 3, 4]), 'labels'))).toBe(
      'parseIdx: labels must be 10 bytes long (a 8-byte header and 2 uint8 values), got 12 bytes (2 trailing bytes from byte offset 10).',
    );
  });
});

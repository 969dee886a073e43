import { InvalidArgumentError } from '@gantry/backend';

/** The element types of the IDX format, by name. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file: an n-dimensional array. */
export interface IdxArray {
  readonly type: IdxType;
  /** The dimensions, e.g. `[60000, 28, 28]` for MNIST's training images. */
  readonly shape: readonly number[];
  /**
   * The values, row-major. For `uint8` and `int8` a view of the input bytes (not a copy); the
   * multi-byte types are converted from the file's big-endian order.
   */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Readonly<Record<number, { readonly type: IdxType; readonly bytes: number }>> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function hexBytes(bytes: Uint8Array, from: number, count: number): string {
  return Array.from(bytes.subarray(from, from + count), hex).join(' ');
}

function truncated(length: number): string {
  return `${length} bytes (truncated at byte offset ${length})`;
}

/** Whether `bytes` start with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses the bytes of an IDX file (the format of the original MNIST files): the magic
 * number 0x00 0x00, a type code, the number of dimensions, each dimension as a big-endian
 * uint32, then the values, big-endian. The length must match the header exactly: a
 * truncated file or trailing bytes throw an {@link InvalidArgumentError} naming `source`,
 * the byte offset, the expected and the actual length; so does a wrong magic number or an
 * unknown type. Gzipped bytes are rejected with a hint: `readIdx` (`@gantry/datasets/node`)
 * inflates them. Browser-safe.
 */
export function parseIdx(bytes: Uint8Array, source = '<bytes>'): IdxArray {
  return parseIdxAs('parseIdx', bytes, source);
}

/** {@link parseIdx} under another caller's name (for `readIdx`, `loadMnist`). */
export function parseIdxAs(caller: string, bytes: Uint8Array, source: string): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(caller, 'bytes', 'a Uint8Array', bytes === null ? 'null' : typeof bytes);
  if (bytes.length < 4) {
    throw new InvalidArgumentError(caller, source, 'at least 4 bytes long (the IDX magic number)', truncated(bytes.length));
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = isGzip(bytes) ? ' (a gzip header: inflate it first, as readIdx from @gantry/datasets/node does)' : '';
    throw new InvalidArgumentError(caller, `${source} byte offset 0`, 'the IDX magic number 0x00 0x00 <type> <dimensions>', `${hexBytes(bytes, 0, 4)}${hint}`);
  }
  const code = bytes[2] as number;
  const kind = TYPES[code];
  if (kind === undefined) {
    throw new InvalidArgumentError(caller, `${source} byte offset 2`, 'an IDX type code (0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)', hex(code));
  }
  const rank = bytes[3] as number;
  if (rank === 0) throw new InvalidArgumentError(caller, `${source} byte offset 3`, 'a number of dimensions >= 1', '0');
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new InvalidArgumentError(caller, source, `at least ${headerLength} bytes long (the header of ${rank} dimensions)`, truncated(bytes.length));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let axis = 0; axis < rank; axis++) shape.push(view.getUint32(4 + 4 * axis, false));
  const count = shape.reduce((product, size) => product * size, 1);
  const expected = headerLength + count * kind.bytes;
  const layout = `a ${headerLength}-byte header and ${shape.join(' × ')} ${kind.type} values`;
  if (bytes.length < expected) {
    throw new InvalidArgumentError(caller, source, `${expected} bytes long (${layout})`, truncated(bytes.length));
  }
  if (bytes.length > expected) {
    throw new InvalidArgumentError(caller, source, `${expected} bytes long (${layout})`, `${bytes.length} bytes (${bytes.length - expected} trailing byte${bytes.length - expected === 1 ? '' : 's'} from byte offset ${expected})`);
  }
  const body = headerLength;
  let data: IdxArray['data'];
  switch (kind.type) {
    case 'uint8':
      data = bytes.subarray(body, expected);
      break;
    case 'int8':
      data = new Int8Array(bytes.buffer, bytes.byteOffset + body, count);
      break;
    case 'int16':
      data = Int16Array.from({ length: count }, (_, i) => view.getInt16(body + 2 * i, false));
      break;
    case 'int32':
      data = Int32Array.from({ length: count }, (_, i) => view.getInt32(body + 4 * i, false));
      break;
    case 'float32':
      data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(body + 4 * i, false));
      break;
    case 'float64':
      data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(body + 8 * i, false));
      break;
  }
  return Object.freeze({ type: kind.type, shape: Object.freeze(shape), data });
}

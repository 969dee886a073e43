import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeValue, expectFinite, expectNumber, expectProbabilityRows, expectTensor, InvalidArgumentError, setValueChecks, valueChecksEnabled } from './index.node.js';
import { countDeviceReads, useBackend } from './testing.js';

beforeAll(async () => {
  await useBackend('cpu');
});
afterEach(() => setValueChecks(true));

function thrown(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('value checks', () => {
  // First in the file: nothing has set them yet.
  it('are on until turned off', () => {
    expect(valueChecksEnabled()).toBe(true);
  });
});

describe('expectTensor', () => {
  it('names the caller, the argument, the expected and the actual shape', () => {
    const a = tf.zeros([32, 4]);
    const error = thrown(() => expectTensor('caganLoss', 'labels', a, { shape: [32, 8], shapeSource: 'matching adversarial' }));
    expect(error.message).toBe('caganLoss: labels must be of shape [32, 8] (matching adversarial), got shape [32, 4].');
    expect([error.caller, error.argument, error.expected, error.actual]).toEqual(['caganLoss', 'labels', 'of shape [32, 8] (matching adversarial)', 'shape [32, 4]']);
    expect(error.name).toBe('InvalidArgumentError');
    expect(expectTensor('f', 'x', a, { shape: [null, 4] })).toBe(a);
    a.dispose();
  });

  it('rejects non-tensors, wrong ranks and wrong dtypes without casting', () => {
    expect(thrown(() => expectTensor('f', 'x', [1, 2])).message).toBe('f: x must be a tf.Tensor, got an array.');
    expect(thrown(() => expectTensor('f', 'x', null)).message).toBe('f: x must be a tf.Tensor, got null.');
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(thrown(() => expectTensor('f', 'x', ints)).message).toBe('f: x must be a float32 tensor, got dtype int32.');
    const matrix = tf.zeros([2, 3]);
    expect(thrown(() => expectTensor('f', 'x', matrix, { rank: [1, 3] })).message).toBe('f: x must be of rank 1 or 3, got shape [2, 3] (rank 2).');
    tf.dispose([ints, matrix]);
  });

  it('names what came for each kind of non-tensor', () => {
    expect([3, undefined, 'x', {}].map((value) => thrown(() => expectTensor('f', 'x', value)).actual)).toEqual(['number', 'undefined', 'string', 'object']);
  });

  it('takes the dtype asked for, and checks the rank of a shape with free axes', () => {
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(expectTensor('f', 'x', ints, { dtype: 'int32' })).toBe(ints);
    const floats = tf.zeros([3]);
    expect(thrown(() => expectTensor('f', 'x', floats, { dtype: 'int32' })).message).toBe('f: x must be a int32 tensor, got dtype float32.');
    const cube = tf.zeros([2, 3, 4]);
    // Every axis named by the shape matches: only the rank differs.
    expect(thrown(() => expectTensor('f', 'x', cube, { shape: [null, 3] })).message).toBe('f: x must be of shape [*, 3], got shape [2, 3, 4].');
    expect(thrown(() => expectTensor('f', 'x', floats, { shape: [null, 3] })).message).toBe('f: x must be of shape [*, 3], got shape [3].');
    // A shape, when given, decides alone: the rank beside it is not checked again.
    expect(expectTensor('f', 'x', cube, { shape: [2, null, 4], rank: 2 })).toBe(cube);
    tf.dispose([ints, floats, cube]);
  });

  it('checks a rank given as a number, and says where it comes from', () => {
    const matrix = tf.zeros([2, 3]);
    expect(expectTensor('f', 'x', matrix, { rank: 2 })).toBe(matrix);
    expect(expectTensor('f', 'x', matrix, { rank: [1, 2] })).toBe(matrix);
    expect(thrown(() => expectTensor('f', 'x', matrix, { rank: 1, shapeSource: 'like y' })).message).toBe('f: x must be of rank 1 (like y), got shape [2, 3] (rank 2).');
    matrix.dispose();
  });
});

describe('setValueChecks', () => {
  it('takes only a boolean, and leaves the setting as it was when refused', () => {
    setValueChecks(false);
    expect(thrown(() => setValueChecks(0 as unknown as boolean)).message).toBe('setValueChecks: enabled must be a boolean, got number.');
    expect(valueChecksEnabled()).toBe(false);
    setValueChecks(true);
    expect(valueChecksEnabled()).toBe(true);
  });
});

describe('expectFinite', () => {
  it('names the first non-finite argument, the value, its index and the count', () => {
    const good = tf.ones([2, 2]);
    const bad = tf.tensor2d([
      [0, 1, 2],
      [3, Number.NaN, Number.POSITIVE_INFINITY],
    ]);
    expect(() => expectFinite('f', { good })).not.toThrow();
    expect(thrown(() => expectFinite('f', { good, bad })).message).toBe('f: bad must be finite, got NaN at index [1, 1] (2 non-finite of 6).');
    setValueChecks(false);
    expect(valueChecksEnabled()).toBe(false);
    expect(() => expectFinite('f', { bad })).not.toThrow();
    tf.dispose([good, bad]);
  });

  it('checks any number of tensors with one device read, and reads the bad one again only to describe it', () => {
    setValueChecks(true);
    const tensors = { a: tf.ones([2, 2]), b: tf.zeros([5]), c: tf.scalar(3), d: tf.ones([1, 1, 4]) };
    expect(countDeviceReads(() => expectFinite('f', tensors))).toBe(1);
    const bad = tf.tensor1d([1, Number.NaN]);
    expect(countDeviceReads(() => expect(() => expectFinite('f', { ...tensors, bad })).toThrow(/f: bad must be finite/))).toBe(2);
    tf.dispose([...Object.values(tensors), bad]);
  });

  it('describes a one-element tensor by its value, and counts from the first bad entry', () => {
    const one = tf.tensor1d([Number.NEGATIVE_INFINITY]);
    expect(thrown(() => expectFinite('f', { one })).actual).toBe('-Infinity');
    // Bad entries at flat indices 0 and 5 of a [2, 3] tensor: the first one is named.
    const two = tf.tensor2d([
      [Number.NaN, 1, 2],
      [3, 4, Number.POSITIVE_INFINITY],
    ]);
    expect(thrown(() => expectFinite('f', { two })).actual).toBe('NaN at index [0, 0] (2 non-finite of 6)');
    // Flat index 13 of a [2, 3, 4] tensor is [1, 0, 1].
    const values = new Float32Array(24);
    values[13] = Number.POSITIVE_INFINITY;
    const three = tf.tensor3d(values, [2, 3, 4]);
    expect(thrown(() => expectFinite('f', { three })).actual).toBe('Infinity at index [1, 0, 1] (1 non-finite of 24)');
    tf.dispose([one, two, three]);
  });

  it('accepts no tensors at all, reading nothing', () => {
    expect(countDeviceReads(() => expectFinite('f', {}))).toBe(0);
  });

  it('leaves no tensor behind', () => {
    const x = tf.ones([3]);
    const before = tf.memory().numTensors;
    for (let call = 0; call < 10; call++) expectFinite('f', { x });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('expectNumber', () => {
  it('checks finiteness, integrality and bounds', () => {
    expect(expectNumber('ema', 'decay', 0.999, { min: 0, max: 1, exclusive: true })).toBe(0.999);
    expect(thrown(() => expectNumber('ema', 'decay', 1, { min: 0, max: 1, exclusive: true })).message).toBe('ema: decay must be a finite number in (0, 1), got 1.');
    expect(thrown(() => expectNumber('f', 'n', 2.5, { min: 1, integer: true })).message).toBe('f: n must be an integer >= 1, got 2.5.');
    expect(thrown(() => expectNumber('f', 'n', Number.NaN)).message).toBe('f: n must be a finite number, got NaN.');
    expect(thrown(() => expectNumber('f', 'n', '3')).message).toBe('f: n must be a finite number, got string.');
  });

  it('says each kind of bound in its message', () => {
    const expected = (range: Parameters<typeof expectNumber>[3]): string => thrown(() => expectNumber('f', 'n', Number.NaN, range)).expected;
    expect(expected({ min: 0, max: 1 })).toBe('a finite number in [0, 1]');
    expect(expected({ min: 0, max: 1, exclusive: true })).toBe('a finite number in (0, 1)');
    expect(expected({ min: 2 })).toBe('a finite number >= 2');
    expect(expected({ min: 2, exclusive: true })).toBe('a finite number > 2');
    expect(expected({ max: 5 })).toBe('a finite number <= 5');
    expect(expected({ max: 5, exclusive: true })).toBe('a finite number < 5');
    expect(expected({ integer: true })).toBe('an integer');
    expect(thrown(() => expectNumber('f', 'n', Number.POSITIVE_INFINITY)).actual).toBe('Infinity');
  });

  it('includes its bounds unless exclusive, and checks each one on its own', () => {
    expect(expectNumber('f', 'n', 0, { min: 0, max: 1 })).toBe(0);
    expect(expectNumber('f', 'n', 1, { min: 0, max: 1 })).toBe(1);
    expect(expectNumber('f', 'n', 7, { min: 7 })).toBe(7);
    expect(expectNumber('f', 'n', 7, { max: 7 })).toBe(7);
    expect(expectNumber('f', 'n', 3, { integer: true, min: 0 })).toBe(3);
    expect(thrown(() => expectNumber('f', 'n', 0, { min: 0, max: 1, exclusive: true })).actual).toBe('0');
    expect(thrown(() => expectNumber('f', 'n', 7, { min: 7, exclusive: true })).message).toBe('f: n must be a finite number > 7, got 7.');
    expect(thrown(() => expectNumber('f', 'n', 7, { max: 7, exclusive: true })).message).toBe('f: n must be a finite number < 7, got 7.');
    expect(thrown(() => expectNumber('f', 'n', -0.5, { min: 0 })).message).toBe('f: n must be a finite number >= 0, got -0.5.');
    expect(thrown(() => expectNumber('f', 'n', 1.5, { max: 1 })).message).toBe('f: n must be a finite number <= 1, got 1.5.');
    expect(thrown(() => expectNumber('f', 'n', 2, { min: 0, max: 1 })).actual).toBe('2');
  });
});

describe('expectProbabilityRows', () => {
  it('accepts rows summing to 1 within 1e-5 and names the row that does not', () => {
    expect(() => expectProbabilityRows('f', 'p', [0.1, 0.4, 0.2, 0.3], [4])).not.toThrow();
    expect(() => expectProbabilityRows('f', 'p', [0.5, 0.5 + 9e-6, 1, 0], [2, 2])).not.toThrow();
    expect(thrown(() => expectProbabilityRows('f', 'p', [0.5, 0.5, 0.7, 0.2], [2, 2])).message).toMatch(
      /^f: p must be probabilities summing to 1 \(tolerance 0.00001\), got a sum of 0.8999\d* in row 1\.$/,
    );
    expect(thrown(() => expectProbabilityRows('f', 'p', [1.2, -0.2], [2])).message).toBe(
      'f: p must be probabilities (finite, >= 0, rows summing to 1), got -0.2 at position 1.',
    );
    expect(thrown(() => expectProbabilityRows('f', 'p', [Number.NaN, 1], [1, 2])).message).toBe(
      'f: p must be probabilities (finite, >= 0, rows summing to 1), got NaN at position 0 in row 0.',
    );
  });

  it('checks every row, a scalar shape as one row, and nothing when the rows are empty', () => {
    // Only the last of three rows is bad.
    expect(thrown(() => expectProbabilityRows('f', 'p', [1, 0, 0, 1, 0.5, 0.6], [3, 2])).actual).toMatch(/^a sum of 1\.1\d* in row 2$/);
    expect(thrown(() => expectProbabilityRows('f', 'p', [0, 1, 0.5, 0.5, 1, Number.POSITIVE_INFINITY], [3, 2])).actual).toBe('Infinity at position 1 in row 2');
    expect(() => expectProbabilityRows('f', 'p', [1], [])).not.toThrow();
    expect(thrown(() => expectProbabilityRows('f', 'p', [0.5], [])).actual).toBe('a sum of 0.5');
    expect(() => expectProbabilityRows('f', 'p', [], [4, 0])).not.toThrow();
    expect(thrown(() => expectProbabilityRows('f', 'p', [0.5, 0.5 + 2e-5], [2])).actual).toMatch(/^a sum of 1\.00002\d*$/);
  });
});

describe('describeValue', () => {
  it('quotes a string, so that "3" is not shown as 3, and shows anything else as String does', () => {
    expect(['3', 3, Number.NaN, undefined, null, true].map(describeValue)).toEqual(['"3"', '3', 'NaN', 'undefined', 'null', 'true']);
  });
});

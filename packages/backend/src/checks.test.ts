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

describe('expectTensor', () => {
  it('names the caller, the argument, the expected and the actual shape', () => {
    const a = tf.zeros([32, 4]);
    const error = thrown(() => expectTensor('caganLoss', 'labels', a, { shape: [32, 8], shapeSource: 'matching adversarial' }));
    expect(error.message).toBe('caganLoss: labels must be of shape [32, 8] (matching adversarial), got shape [32, 4].');
    expect([error.caller, error.argument, error.expected, error.actual]).toEqual(['caganLoss', 'labels', 'of shape [32, 8] (matching adversarial)', 'shape [32, 4]']);
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
});

describe('describeValue', () => {
  it('quotes a string, so that "3" is not shown as 3, and shows anything else as String does', () => {
    expect(['3', 3, Number.NaN, undefined, null, true].map(describeValue)).toEqual(['"3"', '3', 'NaN', 'undefined', 'null', 'true']);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { EqualizedConv2D, EqualizedConv2DTranspose, EqualizedDense } from './index.js';

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** The layer's stored weights [kernel, bias]: its own variables, not copies (never dispose them). */
function storedWeights(layer: tfl.layers.Layer): [tf.Tensor, tf.Tensor] {
  return layer.getWeights() as [tf.Tensor, tf.Tensor];
}

describe.each(TESTED_BACKENDS)('equalized learning rate on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('EqualizedDense computes x·(W·g/√fan_in) + b from its stored N(0, 1) weights', () => {
    const random = createRandom(1);
    const x = random.normal([3, 5]);
    for (const gain of [Math.SQRT2, 1]) {
      const layer = new EqualizedDense({ units: 4, gain, seed: 7 });
      const y = layer.apply(x) as tf.Tensor;
      const [w, b] = storedWeights(layer);
      expect(Array.from(b.dataSync())).toEqual([0, 0, 0, 0]);
      // A non-zero bias, so the check sees it.
      layer.setWeights([w, tf.tensor1d([0.1, -0.2, 0.3, 0])]);
      const withBias = layer.apply(x) as tf.Tensor;
      // fan_in = 5: c = g/√5 (√2/√5 = 0.632456, 1/√5 = 0.447214).
      expect(layer.runtimeScale).toBeCloseTo(gain / Math.sqrt(5), 12);
      const expected = tf.add(tf.matMul(x, tf.mul(w, gain / Math.sqrt(5))), tf.tensor1d([0.1, -0.2, 0.3, 0]));
      expect(maxDifference(withBias, expected)).toBeLessThan(1e-6);
      expect(y.shape).toEqual([3, 4]);
      tf.dispose([y, withBias, expected]);
    }
    x.dispose();
  });

  it('EqualizedConv2D scales by g/√(kh·kw·in) and EqualizedConv2DTranspose by the same fan-in', () => {
    const random = createRandom(2);
    const image = random.normal([2, 6, 6, 3]);
    const conv = new EqualizedConv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', seed: 3 });
    const y = conv.apply(image) as tf.Tensor;
    const [k] = storedWeights(conv);
    // fan_in = 3·3·3 = 27: c = √2/√27 = 0.272166.
    expect(conv.runtimeScale).toBeCloseTo(Math.SQRT2 / Math.sqrt(27), 12);
    const expected = tf.conv2d(image as tf.Tensor4D, tf.mul(k, Math.SQRT2 / Math.sqrt(27)) as tf.Tensor4D, 2, 'same');
    expect(y.shape).toEqual([2, 3, 3, 4]);
    expect(maxDifference(y, expected)).toBeLessThan(1e-5);

    const deconv = new EqualizedConv2DTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same', seed: 4 });
    const up = deconv.apply(y) as tf.Tensor;
    const [kt] = storedWeights(deconv);
    // Kernel [4, 4, 2 (out), 4 (in)]; fan_in = 4·4·4 = 64: c = √2/8.
    expect(kt.shape).toEqual([4, 4, 2, 4]);
    expect(deconv.runtimeScale).toBeCloseTo(Math.SQRT2 / 8, 12);
    const expectedUp = tf.conv2dTranspose(y as tf.Tensor4D, tf.mul(kt, Math.SQRT2 / 8) as tf.Tensor4D, [2, 6, 6, 2], 2, 'same');
    expect(up.shape).toEqual([2, 6, 6, 2]);
    expect(maxDifference(up, expectedUp)).toBeLessThan(1e-5);
    const valid = new EqualizedConv2D({ filters: 1, kernelSize: [3, 2], padding: 'valid', seed: 5 });
    expect(valid.computeOutputShape([null, 6, 6, 3])).toEqual([null, 4, 5, 1]);
    const validOut = valid.apply(image) as tf.Tensor;
    expect(validOut.shape).toEqual([2, 4, 5, 1]);
    tf.dispose([image, y, expected, up, expectedUp, validOut]);
  });

  it('initialises weights N(0, 1), the same from one seed on every backend', async () => {
    const layer = new EqualizedDense({ units: 512, seed: 11 });
    const x = tf.zeros([1, 512]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const [w] = storedWeights(layer);
    const values = w.dataSync() as Float32Array;
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
    // 262,144 draws: standard error of the mean 0.002.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    const first = Array.from(values.slice(0, 16));
    await useBackend(backend === 'cpu' ? 'wasm' : 'cpu');
    const again = new EqualizedDense({ units: 512, seed: 11 });
    const x2 = tf.zeros([1, 512]);
    tf.dispose(again.apply(x2) as tf.Tensor);
    const [w2] = storedWeights(again);
    expect(Array.from(w2.dataSync().slice(0, 16))).toEqual(first);
    tf.dispose([x2]);
    await useBackend(backend);
    tf.dispose([x]);
  });
});

describe('equalized layers: configuration', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('serialise under Gantry> and come back from their config', () => {
    const layer = new EqualizedConv2D({ filters: 8, kernelSize: [3, 1], strides: 2, padding: 'valid', gain: 1, useBias: false, seed: 9, name: 'c' });
    expect(tf.serialization.getRegisteredName(EqualizedConv2D)).toBe('Gantry>EqualizedConv2D');
    const copy = EqualizedConv2D.fromConfig(EqualizedConv2D, layer.getConfig()) as EqualizedConv2D;
    expect([copy.filters, copy.kernelSize, copy.strides, copy.padding, copy.gain, copy.useBias, copy.seed]).toEqual([8, [3, 1], [2, 2], 'valid', 1, false, 9]);
  });

  it('rejects bad arguments, naming them', () => {
    expect(invalidArgumentMessage(() => new EqualizedDense({ units: 0 }))).toBe('EqualizedDense: units must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => new EqualizedDense({ units: 3, gain: -1 }))).toBe('EqualizedDense: gain must be a finite number > 0, got -1.');
    expect(invalidArgumentMessage(() => new EqualizedConv2D({ filters: 2, kernelSize: [3, 0] }))).toBe('EqualizedConv2D: kernelSize must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => new EqualizedConv2DTranspose({ filters: 2, kernelSize: 3, padding: 'causal' as 'same' }))).toBe(
      `EqualizedConv2DTranspose: padding must be 'same' or 'valid', got "causal".`,
    );
    expect(invalidArgumentMessage(() => new EqualizedConv2D({ filters: 2, kernelSize: 3, name: 'c1' }).apply(tf.zeros([2, 5])))).toBe(
      "EqualizedConv2D 'c1': input shape must be [batch, height, width, channels] (channels last, channels known), got [2,5].",
    );
  });
});

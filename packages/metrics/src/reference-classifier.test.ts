import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gatherBatch, inMemoryDataset, type Dataset } from '@gantry/datasets';
import { loadMnist } from '@gantry/datasets/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frechetDistance, initialReferenceWeights, REFERENCE_CLASSIFIER_LAYERS, referenceClassifier } from './index.js';
import { decodeReferenceWeights, encodeReferenceWeights, loadReferenceClassifier } from './node.js';

describe('the reference MNIST classifier (shipped weights, wasm)', () => {
  let classifier: Awaited<ReturnType<typeof loadReferenceClassifier>>;
  let test: Dataset;
  let train: Dataset;
  beforeAll(async () => {
    await useBackend('wasm');
    classifier = await loadReferenceClassifier();
    test = await loadMnist({ split: 'test' });
    train = await loadMnist({ split: 'train' });
  }, 120_000);
  afterAll(() => {
    classifier.dispose();
  });

  /** `f` of the images `first` to `first + count` of a dataset, 500 at a time, as one row-major array. */
  function rows(dataset: Dataset, first: number, count: number, f: (x: tf.Tensor) => tf.Tensor): Float32Array {
    const parts: Float32Array[] = [];
    for (let start = first; start < first + count; start += 500) {
      const batch = gatherBatch(dataset, Array.from({ length: 500 }, (_, i) => start + i));
      const computed = tf.tidy(() => f(batch.x));
      parts.push(computed.dataSync() as Float32Array);
      computed.dispose();
      batch.x.dispose();
    }
    const out = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
    parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
    return out;
  }

  it('loads the shipped weights on its own (the suite’s copy aside) and frees them on dispose', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadReferenceClassifier();
    expect(tf.memory().numTensors).toBe(before + 2 * REFERENCE_CLASSIFIER_LAYERS.length);
    const predicted = rows(test, 0, 500, (x) => tf.cast(tf.argMax(loaded.logits(x), -1), 'float32'));
    const labels = test.labels as Int32Array;
    expect(predicted.filter((digit, i) => digit === labels[i]).length).toBeGreaterThanOrEqual(490);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('classifies the 10,000 test images with at least 99.0% accuracy', () => {
    const predicted = rows(test, 0, 10_000, (x) => tf.cast(tf.argMax(classifier.logits(x), -1), 'float32'));
    const labels = test.labels as Int32Array;
    const accuracy = predicted.filter((digit, i) => digit === labels[i]).length / 10_000;
    console.log(`reference classifier: test accuracy ${accuracy.toFixed(4)}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.99);
  }, 300_000);

  // 30,000 images through the classifier: 9 s alone, 136 s beside other work on 2 cores.
  it('Fréchet distance on its features: test against train is near 0, noise is far', () => {
    const features = (values: Float32Array) => ({ values, dimension: 64 });
    const testFeatures = features(rows(test, 0, 10_000, (x) => classifier.features(x)));
    const trainFeatures = features(rows(train, 0, 10_000, (x) => classifier.features(x)));
    const pixels = createRandom(1).uniform([10_000, 28, 28, 1], -1, 1);
    const noise = inMemoryDataset({ values: pixels.dataSync() as Float32Array, sampleShape: [28, 28, 1] });
    pixels.dispose();
    const noiseFeatures = features(rows(noise, 0, 10_000, (x) => classifier.features(x)));
    const real = frechetDistance(testFeatures, trainFeatures);
    const far = frechetDistance(testFeatures, noiseFeatures);
    console.log(`Fréchet distance on the reference features: test vs train ${real.toFixed(3)}, test vs uniform noise ${far.toFixed(1)}`);
    expect(real).toBeLessThan(0.01 * far);
  }, 300_000);

  it('names weights of the wrong shape', () => {
    expect(invalidArgumentMessage(() => referenceClassifier({}))).toBe("referenceClassifier: weights['conv1/kernel'] must be a tensor of shape [3, 3, 1, 32], got nothing.");
  });
});

describe('reference classifier weights', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('initialReferenceWeights: He-scaled kernels sqrt(2 / fan-in) times the normals, zero biases, named by layer', () => {
    const weights = initialReferenceWeights((shape) => tf.ones([...shape]));
    expect(Object.keys(weights)).toEqual(REFERENCE_CLASSIFIER_LAYERS.flatMap((layer) => [`${layer.name}/kernel`, `${layer.name}/bias`]));
    const fanIns = { conv1: 9, conv2: 288, conv3: 288, features: 1568, logits: 64 };
    for (const layer of REFERENCE_CLASSIFIER_LAYERS) {
      const kernel = weights[`${layer.name}/kernel`] as tf.Tensor;
      const bias = weights[`${layer.name}/bias`] as tf.Tensor;
      expect(kernel.shape).toEqual([...layer.kernel]);
      expect(new Set(kernel.dataSync())).toEqual(new Set([Math.fround(Math.sqrt(2 / fanIns[layer.name]))]));
      expect(bias.shape).toEqual([layer.kernel[layer.kernel.length - 1]]);
      expect(Array.from(bias.dataSync()).every((value) => value === 0)).toBe(true);
    }
    // A classifier accepts them: every shape check passes.
    expect(referenceClassifier(weights).logits(tf.zeros([1, 28, 28, 1])).shape).toEqual([1, 10]);
    tf.dispose(Object.values(weights));
  });

  it('encodes weights to JSON and decodes them bit for bit', () => {
    const weights = { 'a/kernel': tf.tensor([1.5, -0, Number.MIN_VALUE, 3e38], [2, 2]), 'a/bias': tf.tensor([Math.PI]) };
    const json = encodeReferenceWeights(weights);
    expect(json.format).toBe('gantry/reference-classifier');
    expect(json.version).toBe(1);
    expect(Object.keys(json.weights)).toEqual(['a/kernel', 'a/bias']);
    expect(json.weights['a/kernel']?.shape).toEqual([2, 2]);
    const decoded = decodeReferenceWeights(JSON.parse(JSON.stringify(json)));
    for (const [name, tensor] of Object.entries(weights)) {
      expect(decoded[name]?.shape).toEqual(tensor.shape);
      expect(new Uint8Array((decoded[name] as tf.Tensor).dataSync().buffer)).toEqual(new Uint8Array(tensor.dataSync().buffer));
    }
    tf.dispose([...Object.values(weights), ...Object.values(decoded)]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { gatherBatch, inMemoryDataset, type Dataset } from '@gantry/datasets';
import { loadMnist } from '@gantry/datasets/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frechetDistance, referenceClassifier } from './index.js';
import { loadReferenceClassifier } from './node.js';

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
      parts.push(tf.tidy(() => f(batch.x)).dataSync() as Float32Array);
      batch.x.dispose();
    }
    const out = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
    parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
    return out;
  }

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

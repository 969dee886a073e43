import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkGradients, createRandom } from '@gantry/backend';
import { TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchStatisticsNormalization, cnnGenerator, discriminatorOutputs, integratedDiscriminator, SampleNormalization, trainableVariables } from './index.js';

describe.each(TESTED_BACKENDS)('BatchStatisticsNormalization on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('normalizes each channel over the batch and spatial axes, then scales by γ and shifts by β', () => {
    const layer = new BatchStatisticsNormalization({ name: `bn-${backend}` });
    const x = createRandom(1).normal([4, 3, 3, 2], 2, 3);
    const y = layer.apply(x) as tf.Tensor;
    // By hand, in float64: channel k's mean and biased variance over the 36 values at k.
    const values = x.dataSync();
    const out = y.dataSync();
    for (let k = 0; k < 2; k++) {
      const own = Array.from(values).filter((_, index) => index % 2 === k);
      const mean = own.reduce((a, b) => a + b, 0) / own.length;
      const variance = own.reduce((a, b) => a + (b - mean) ** 2, 0) / own.length;
      Array.from(out).forEach((value, index) => {
        if (index % 2 === k) expect(value).toBeCloseTo(((values[index] as number) - mean) / Math.sqrt(variance + 1e-5), 4);
      });
    }
    tf.dispose([x, y]);
  });

  it('its gradients in γ, β and the weights before it agree with finite differences', () => {
    const G = cnnGenerator({ inputDim: 5, outputShape: [4, 4, 1], channels: [3, 2], kernelSize: 3, hidden: [6], activation: 'relu', normalization: 'batch', initialization: 'dcgan', seed: 4, name: `bn-g-${backend}` });
    expect(G.layers.filter((layer) => layer.getClassName() === 'BatchStatisticsNormalization')).toHaveLength(3);
    const z = createRandom(5).normal([6, 5]);
    const target = createRandom(6).normal([6, 4, 4, 1]);
    const objective = (): tf.Scalar => tf.tidy(() => tf.mean(tf.square(tf.sub(G.apply(z) as tf.Tensor, target))) as tf.Scalar);
    const result = checkGradients(objective, trainableVariables(G), { epsilon: 1e-2, entriesPerVariable: 3, relativeTolerance: backend === 'cpu' ? 2e-3 : 1e-2 });
    expect(result.missingGradients).toEqual([]);
    expect(result.worstErrorRatio).toBeLessThanOrEqual(1);
    tf.dispose([z, target]);
    G.dispose();
  });
});

describe.each(TESTED_BACKENDS)('SampleNormalization on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('normalizes each sample over all its values, then scales and shifts each channel', async () => {
    const layer = new SampleNormalization({ name: `ln-${backend}` });
    const x = createRandom(2).normal([3, 2, 2, 2], -1, 4);
    const y = layer.apply(x) as tf.Tensor;
    // γ = 2, 3 and β = 0.5, −1 per channel, so that a layer that ignored them would fail.
    const affine = [tf.tensor1d([2, 3]), tf.tensor1d([0.5, -1])];
    layer.setWeights(affine);
    tf.dispose(affine);
    const scaled = layer.apply(x) as tf.Tensor;
    const values = x.dataSync();
    const [plain, shifted] = [y.dataSync(), scaled.dataSync()];
    for (let sample = 0; sample < 3; sample++) {
      const own = Array.from(values.slice(sample * 8, sample * 8 + 8));
      const mean = own.reduce((a, b) => a + b, 0) / 8;
      const variance = own.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
      own.forEach((value, offset) => {
        const normalized = (value - mean) / Math.sqrt(variance + 1e-5);
        expect(plain[sample * 8 + offset]).toBeCloseTo(normalized, 4);
        expect(shifted[sample * 8 + offset]).toBeCloseTo(offset % 2 === 0 ? 2 * normalized + 0.5 : 3 * normalized - 1, 4);
      });
    }
    tf.dispose([x, y, scaled]);
  });

  it("keeps samples apart: a sample's output does not change with the rest of its batch, where batch statistics do", () => {
    const x = createRandom(3).normal([4, 3, 3, 2]);
    const changed = tf.tidy(() => tf.concat([tf.slice(x, [0], [1]), tf.mul(tf.slice(x, [1], [3]), 5)]));
    for (const [layer, apart] of [[new SampleNormalization({ name: `ln-apart-${backend}` }), true], [new BatchStatisticsNormalization({ name: `bn-apart-${backend}` }), false]] as const) {
      const first = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(layer.apply(x) as tf.Tensor, [0], [1]), tf.slice(layer.apply(changed) as tf.Tensor, [0], [1])))).dataSync()[0] as number);
      if (apart) expect(first).toBeLessThan(1e-6);
      else expect(first).toBeGreaterThan(1e-2);
    }
    tf.dispose([x, changed]);
  });

  it('its gradients in γ, β and the weights of a layer-normalized D agree with finite differences', () => {
    const D = integratedDiscriminator({ inputShape: [6, 6, 1], categories: 3, trunk: { kind: 'cnn', channels: [3, 4], kernelSize: 3, hidden: [5], normalization: 'layer' }, seed: 7, name: `ln-d-${backend}` });
    expect(D.layers.filter((layer) => layer.getClassName() === 'SampleNormalization')).toHaveLength(2);
    const x = createRandom(8).normal([4, 6, 6, 1]);
    const objective = (): tf.Scalar => tf.tidy(() => {
      const { adversarial, logits } = discriminatorOutputs(D, x);
      return tf.add(tf.mean(tf.square(adversarial)), tf.mean(tf.sin(logits))) as tf.Scalar;
    });
    const result = checkGradients(objective, trainableVariables(D), { epsilon: 1e-2, entriesPerVariable: 3, relativeTolerance: backend === 'cpu' ? 2e-3 : 1e-2 });
    expect(result.missingGradients).toEqual([]);
    expect(result.worstErrorRatio).toBeLessThanOrEqual(1);
    x.dispose();
    D.dispose();
  });
});

describe('BatchStatisticsNormalization as a layer', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('saves and loads with its ε, and refuses a bad one', async () => {
    const input = tfl.input({ shape: [4] });
    const model = tfl.model({ inputs: input, outputs: new BatchStatisticsNormalization({ epsilon: 1e-3, name: 'bn' }).apply(input) as tfl.SymbolicTensor });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect((loaded.layers[1] as BatchStatisticsNormalization).epsilon).toBe(1e-3);
    expect(() => new BatchStatisticsNormalization({ epsilon: 0 })).toThrow("BatchStatisticsNormalization: epsilon must be a finite number > 0, got 0.");
    expect(() => new SampleNormalization({ epsilon: -1 })).toThrow('SampleNormalization: epsilon must be a finite number > 0, got -1.');
    model.dispose();
    loaded.dispose();
  });

  it('a layer-normalized D saves and loads as SampleNormalization, with the same outputs', async () => {
    const D = integratedDiscriminator({ inputShape: [6, 6, 1], categories: 2, trunk: { kind: 'cnn', channels: [3, 4], kernelSize: 3, normalization: 'layer' }, seed: 2, name: 'ln-save' });
    let saved: tf.io.ModelArtifacts | undefined;
    await D.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers.map((layer) => layer.getClassName())).toContain('SampleNormalization');
    const x = createRandom(3).normal([2, 6, 6, 1]);
    const [a, b] = [discriminatorOutputs(D, x).adversarial, discriminatorOutputs(loaded, x).adversarial];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    D.dispose();
    loaded.dispose();
  });
});

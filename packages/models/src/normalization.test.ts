import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkGradients, createRandom } from '@gantry/backend';
import { TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchStatisticsNormalization, cnnGenerator, trainableVariables } from './index.js';

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
    model.dispose();
    loaded.dispose();
  });
});

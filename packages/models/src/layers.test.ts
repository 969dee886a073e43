import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { invalidArgumentMessage, useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileHandler, fileRouter, registerFileHandler } from './file-io.js';
import { applyModel, cnnGenerator, discriminator, EqualizedConv2D, EqualizedConv2DTranspose, EqualizedDense, mlpGenerator } from './index.node.js';

describe('equalized layers: output shapes, input checks and initial weights', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('Dense keeps every leading axis', () => {
    const dense = new EqualizedDense({ units: 3 });
    expect(dense.computeOutputShape([null, 5])).toEqual([null, 3]);
    expect(dense.computeOutputShape([7, 4, 5])).toEqual([7, 4, 3]);
  });

  it('Conv2D: same and valid padding, a known batch, and unknown sizes', () => {
    const same = new EqualizedConv2D({ filters: 6, kernelSize: 3, strides: 2 });
    expect(same.computeOutputShape([8, 9, 10, 2])).toEqual([8, 5, 5, 6]);
    expect(same.computeOutputShape([null, null, 0, 2])).toEqual([null, null, 0, 6]);
    const valid = new EqualizedConv2D({ filters: 6, kernelSize: [3, 2], strides: 2, padding: 'valid' });
    expect(valid.computeOutputShape([8, 9, 10, 2])).toEqual([8, 4, 5, 6]);
    // The same sizes as TF.js's own layer.
    expect(tfl.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: 2, padding: 'valid' }).computeOutputShape([8, 9, 10, 2])).toEqual([8, 4, 5, 6]);
  });

  it('Conv2DTranspose: same and valid padding, a known batch, and unknown sizes', () => {
    const same = new EqualizedConv2DTranspose({ filters: 4, kernelSize: 4, strides: 2 });
    expect(same.computeOutputShape([3, 7, 6, 8])).toEqual([3, 14, 12, 4]);
    expect(same.computeOutputShape([null, null, 0, 8])).toEqual([null, null, 0, 4]);
    expect(same.computeOutputShape([null, 0, null, 8])).toEqual([null, 0, null, 4]);
    const valid = new EqualizedConv2DTranspose({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'valid' });
    expect(valid.computeOutputShape([3, 7, 6, 8])).toEqual([3, 15, 12, 4]);
    expect(tfl.layers.conv2dTranspose({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'valid' }).computeOutputShape([3, 7, 6, 8])).toEqual([3, 15, 12, 4]);
    // And the layer computes what it says.
    const x = tf.ones([1, 7, 6, 8]);
    expect(valid.apply(x)).toHaveProperty('shape', [1, 15, 12, 4]);
  });

  it('convolutions refuse an input that is not [batch, height, width, channels], naming the layer', () => {
    for (const [Layer, name] of [
      [EqualizedConv2D, 'EqualizedConv2D'],
      [EqualizedConv2DTranspose, 'EqualizedConv2DTranspose'],
    ] as const) {
      const layer = new Layer({ filters: 2, kernelSize: 3, name: 'c' });
      const expected = `${name} 'c': input shape must be [batch, height, width, channels] (channels last, channels known), got [null,5,5].`;
      expect(invalidArgumentMessage(() => layer.computeOutputShape([null, 5, 5]))).toBe(expected);
      expect(invalidArgumentMessage(() => layer.build([null, 5, 5]))).toBe(expected);
      expect(invalidArgumentMessage(() => layer.build([null, 5, 5, null]))).toBe(`${name} 'c': input shape must be [batch, height, width, channels] (channels last, channels known), got [null,5,5,null].`);
    }
  });

  it('an unseeded layer still draws its stored weights from N(0, 1)', () => {
    const dense = new EqualizedDense({ units: 128 });
    dense.apply(tf.zeros([1, 128]));
    const values = dense.getWeights()[0] as tf.Tensor;
    const { mean, variance } = tf.moments(values);
    // 16,384 draws: the standard deviation is 1 ± 0.01, the mean 0 ± 0.01 (TF.js's default would be 0.05).
    expect(Math.sqrt(variance.dataSync()[0] as number)).toBeGreaterThan(0.95);
    expect(Math.sqrt(variance.dataSync()[0] as number)).toBeLessThan(1.05);
    expect(Math.abs(mean.dataSync()[0] as number)).toBeLessThan(0.05);
  });

  it('applyModel refuses a model of two inputs in one line', () => {
    const a = tfl.input({ shape: [2] });
    const b = tfl.input({ shape: [2] });
    const two = tfl.model({ inputs: [a, b], outputs: tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor, name: 'two' });
    expect(invalidArgumentMessage(() => applyModel(two, tf.zeros([1, 2])))).toBe('applyModel: model must be a model with one input, got 2 inputs.');
  });

  // Checkpoints key weights by layer name, so the names are part of the saved format.
  it('the builders name every layer, the CNN trunk’s flatten and the image generator’s tanh included', () => {
    const D = discriminator({ inputShape: [8, 8, 1], trunk: { kind: 'cnn', channels: [2, 3] }, seed: 1 });
    expect(D.layers.map((layer) => layer.name)).toEqual(['discriminator/x', 'discriminator/conv1', 'discriminator/leaky2', 'discriminator/conv3', 'discriminator/leaky4', 'discriminator/flatten5', 'discriminator/logit6']);
    const G = cnnGenerator({ inputDim: 4, outputShape: [8, 8, 1], channels: [3, 2], seed: 1 });
    expect(G.layers.map((layer) => layer.name)).toEqual(['generator/input', 'generator/dense1', 'generator/leaky2', 'generator/reshape3', 'generator/deconv4', 'generator/leaky5', 'generator/deconv6', 'generator/tanh7']);
    const points = mlpGenerator({ inputDim: 3, outputDim: 2, units: 4, layers: 1, outputActivation: 'tanh', seed: 1 });
    expect(points.layers.map((layer) => layer.name)).toEqual(['generator/input', 'generator/dense1', 'generator/leaky2', 'generator/dense3', 'generator/tanh4']);
    [D, G, points].forEach((model) => model.dispose());
  });
});

describe('fileHandler and the file:// router', () => {
  let directory = '';
  beforeAll(async () => {
    await useBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'gantry-file-io-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a binary topology, naming the folder', async () => {
    await expect(fileHandler(join(directory, 'binary')).save?.({ modelTopology: new ArrayBuffer(4) })).rejects.toThrow(`fileHandler(${join(directory, 'binary')}): binary model topologies are not supported; save a LayersModel.`);
  });

  it('writes a topology without weights as an empty weights file, and keeps training config and metadata only when given', async () => {
    const bare = join(directory, 'bare');
    await fileHandler(bare).save?.({ modelTopology: { a: 1 }, format: 'layers-model' });
    expect((await readFile(join(bare, 'weights.bin'))).byteLength).toBe(0);
    const bareJSON = JSON.parse(await readFile(join(bare, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(bareJSON.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: [] }]);
    expect(Object.keys(bareJSON)).not.toContain('trainingConfig');
    expect(Object.keys(bareJSON)).not.toContain('userDefinedMetadata');
    const full = join(directory, 'full');
    const trainingConfig = { loss: 'mse' } as unknown as tf.io.TrainingConfig;
    await fileHandler(full).save?.({ modelTopology: { a: 1 }, trainingConfig, userDefinedMetadata: { run: 'r1' } });
    const fullJSON = JSON.parse(await readFile(join(full, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(fullJSON.trainingConfig).toEqual({ loss: 'mse' });
    expect(fullJSON.userDefinedMetadata).toEqual({ run: 'r1' });
  });

  it('sizes bool weights at 1 byte a value and quantized ones at 1 (uint8) or 2 (float16), and says so when the file disagrees', async () => {
    const folder = join(directory, 'sizes');
    const weights = [
      { name: 'flags', shape: [3], dtype: 'bool' },
      { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } },
      { name: 'q16', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'f', shape: [1], dtype: 'float32' },
    ];
    await fileHandler(folder).save?.({ modelTopology: { a: 1 }, weightSpecs: weights as tf.io.WeightsManifestEntry[], weightData: new ArrayBuffer(14) });
    const loaded = await fileHandler(folder).load?.();
    expect(loaded?.weightSpecs?.map((spec) => spec.name)).toEqual(['flags', 'q8', 'q16', 'f']);
    await writeFile(join(folder, 'weights.bin'), new Uint8Array(13));
    await expect(fileHandler(folder).load?.()).rejects.toThrow(`fileHandler.load: ${join(folder, 'weights.bin')} must be 14 bytes (the weights model.json lists), got 13 bytes.`);
  });

  it('counts a model.json that is not JSON in bytes', async () => {
    const folder = join(directory, 'text');
    await fileHandler(folder).save?.({ modelTopology: { a: 1 } });
    await writeFile(join(folder, 'model.json'), 'é{');
    await expect(fileHandler(folder).load?.()).rejects.toThrow(`fileHandler.load: ${join(folder, 'model.json')} must be a TF.js model.json, got 3 bytes that are not JSON.`);
  });

  it('loads weights sharded over several files, and names every shard when their sizes disagree', async () => {
    const folder = join(directory, 'shards');
    await fileHandler(folder).save?.({ modelTopology: { a: 1 } });
    const weights = [{ name: 'w', shape: [4], dtype: 'float32' }];
    await writeFile(join(folder, 'model.json'), JSON.stringify({ modelTopology: { a: 1 }, weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights }] }));
    await writeFile(join(folder, 'a.bin'), new Uint8Array(new Float32Array([1, 2]).buffer));
    await writeFile(join(folder, 'b.bin'), new Uint8Array(new Float32Array([3, 4]).buffer));
    const loaded = await fileHandler(folder).load?.();
    expect(Array.from(new Float32Array(loaded?.weightData as ArrayBuffer))).toEqual([1, 2, 3, 4]);
    await writeFile(join(folder, 'b.bin'), new Uint8Array(4));
    await expect(fileHandler(folder).load?.()).rejects.toThrow(`fileHandler.load: ${join(folder, 'a.bin, b.bin')} must be 16 bytes (the weights model.json lists), got 12 bytes.`);
  });

  it('routes file:// URLs of a folder or of its model.json to that folder, and nothing else', async () => {
    expect(fileRouter('http://example.com/model.json')).toBeNull();
    expect(fileRouter(['file://a', 'file://b'])).toBeNull();
    for (const [url, folder] of [
      [`file://${join(directory, 'by-folder')}`, join(directory, 'by-folder')],
      [`file://${join(directory, 'by-file', 'model.json')}`, join(directory, 'by-file')],
    ] as const) {
      await fileRouter(url)?.save?.({ modelTopology: { url } });
      expect(JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')).modelTopology).toEqual({ url });
    }
  });

  it('is registered once for file:// URLs, whether they name the folder or its model.json', async () => {
    registerFileHandler();
    registerFileHandler();
    expect(tf.io.getSaveHandlers(`file://${directory}/routed`)).toHaveLength(1);
    const G = mlpGenerator({ inputDim: 2, outputDim: 2, units: 4, layers: 1, seed: 3 });
    await G.save(`file://${join(directory, 'routed')}`);
    const back = await tfl.loadLayersModel(`file://${join(directory, 'routed', 'model.json')}`);
    const x = tf.ones([1, 2]);
    expect(Array.from((applyModel(back, x) as tf.Tensor).dataSync())).toEqual(Array.from((applyModel(G, x) as tf.Tensor).dataSync()));
    [G, back].forEach((model) => model.dispose());
  });
});

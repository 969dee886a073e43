import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from '@gantry/backend';
import { useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cnnGenerator, discriminatorOutputs, integratedDiscriminator } from './index.node.js';

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('save and load through file:// in Node (no tfjs-node)', () => {
  let directory = '';
  beforeAll(async () => {
    await useBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'gantry-models-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('an MLP D* round-trips to identical outputs, custom layers and all', async () => {
    const d = integratedDiscriminator({ inputShape: [2], categories: 4, trunk: { kind: 'mlp', units: 16, layers: 2 }, seed: 3 });
    const x = createRandom(1).normal([6, 2]);
    const before = discriminatorOutputs(d, x);
    const result = await d.save(`file://${join(directory, 'd')}`);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * d.countParams());
    // Only the two final files: the temporary ones were renamed.
    expect((await readdir(join(directory, 'd'))).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(directory, 'd', 'model.json'), 'utf8'));
    expect(JSON.stringify(json.modelTopology)).toContain('"class_name":"EqualizedDense"');
    const loaded = await tfl.loadLayersModel(`file://${join(directory, 'd', 'model.json')}`);
    const after = discriminatorOutputs(loaded, x);
    expect(maxDifference(before.adversarial, after.adversarial)).toBe(0);
    expect(maxDifference(before.logits, after.logits)).toBe(0);
    tf.dispose([x, before.adversarial, before.logits, after.adversarial, after.logits]);
    d.dispose();
    loaded.dispose();
  });

  it('a CNN generator round-trips too, and a second save replaces the first', async () => {
    const g = cnnGenerator({ inputDim: 6, outputShape: [8, 8, 1], channels: [8, 4], seed: 1 });
    const z = createRandom(2).normal([3, 6]);
    const path = `file://${join(directory, 'g')}`;
    await g.save(path);
    g.setWeights(g.getWeights().map((weight) => tf.mul(weight, 2)));
    await g.save(path);
    const loaded = await tfl.loadLayersModel(`${path}/model.json`);
    const [a, b] = [g.apply(z) as tf.Tensor, loaded.apply(z) as tf.Tensor];
    expect(a.shape).toEqual([3, 8, 8, 1]);
    expect(maxDifference(a, b)).toBe(0);
    tf.dispose([z, a, b]);
    g.dispose();
    loaded.dispose();
  });

  it('writes model.json last: when the weights cannot be written, no model.json is left to point at them', async () => {
    const g = cnnGenerator({ inputDim: 6, outputShape: [8, 8, 1], channels: [8, 4], seed: 1 });
    const folder = join(directory, 'blocked');
    // A folder where weights.bin should go: renaming the written weights onto it fails.
    await mkdir(join(folder, 'weights.bin'), { recursive: true });
    await expect(g.save(`file://${folder}`)).rejects.toThrow();
    expect((await readdir(folder)).filter((name) => name.startsWith('model'))).toEqual([]);
    g.dispose();
  });

  it('refuses weights whose size disagrees with model.json, and a model.json that is not JSON, in one clear line', async () => {
    const g = cnnGenerator({ inputDim: 6, outputShape: [8, 8, 1], channels: [8, 4], seed: 1 });
    const folder = join(directory, 'damaged');
    await g.save(`file://${folder}`);
    const weights = await readFile(join(folder, 'weights.bin'));
    await writeFile(join(folder, 'weights.bin'), weights.subarray(0, weights.byteLength - 8));
    await expect(tfl.loadLayersModel(`file://${folder}/model.json`)).rejects.toThrow(`fileHandler.load: ${join(folder, 'weights.bin')} must be ${weights.byteLength} bytes (the weights model.json lists), got ${weights.byteLength - 8} bytes.`);
    await writeFile(join(folder, 'model.json'), '{"modelTopology": ');
    await expect(tfl.loadLayersModel(`file://${folder}/model.json`)).rejects.toThrow(`fileHandler.load: ${join(folder, 'model.json')} must be a TF.js model.json, got 18 bytes that are not JSON.`);
    g.dispose();
  });

  it('a model.json that names code (a Lambda layer with a function body) is refused, and nothing runs', async () => {
    const folder = join(directory, 'code');
    const g = cnnGenerator({ inputDim: 6, outputShape: [8, 8, 1], channels: [8, 4], seed: 1 });
    await g.save(`file://${folder}`);
    g.dispose();
    const model = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    (globalThis as { gantryRan?: boolean }).gantryRan = false;
    model.modelTopology.config.layers[1].class_name = 'Lambda';
    model.modelTopology.config.layers[1].config.function = 'globalThis.gantryRan = true';
    await writeFile(join(folder, 'model.json'), JSON.stringify(model));
    await expect(tfl.loadLayersModel(`file://${folder}/model.json`)).rejects.toThrow(/Unknown layer: Lambda/);
    expect((globalThis as { gantryRan?: boolean }).gantryRan).toBe(false);
  });
});

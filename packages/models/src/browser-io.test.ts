import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from '@gantry/backend';
import { useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The browser build of this package: what a bundler gives a web app.
import { discriminatorOutputs, integratedDiscriminator } from './index.browser.js';

/**
 * TF.js's `indexeddb://` handler, as a browser runs it, on fake-indexeddb: TF.js only
 * routes to it when its IS_BROWSER flag is set and finds the factory on `self`.
 */
describe('save and load through indexeddb:// with the browser build', () => {
  const global = globalThis as { self?: unknown };
  const hadSelf = 'self' in global;
  beforeAll(async () => {
    await useBackend('cpu');
    tf.env().set('IS_BROWSER', true);
    if (!hadSelf) global.self = globalThis;
  });
  afterAll(() => {
    tf.env().set('IS_BROWSER', false);
    if (!hadSelf) delete global.self;
  });

  it('an integrated D* round-trips to identical outputs', async () => {
    const d = integratedDiscriminator({ inputShape: [6, 6, 1], categories: 3, trunk: { kind: 'cnn', channels: [4, 8], kernelSize: 3 }, seed: 2 });
    const x = createRandom(4).normal([2, 6, 6, 1]);
    const before = discriminatorOutputs(d, x);
    await d.save('indexeddb://gantry-d');
    const loaded = await tfl.loadLayersModel('indexeddb://gantry-d');
    const after = discriminatorOutputs(loaded, x);
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.concat([before.adversarial, before.logits], 1), tf.concat([after.adversarial, after.logits], 1)))).dataSync()[0]);
    expect(difference).toBe(0);
    tf.dispose([x, before.adversarial, before.logits, after.adversarial, after.logits]);
    d.dispose();
    loaded.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { createRandom } from '@gantry/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { continuousPriorFromJSON, normalPrior, uniformPrior } from './index.js';
import { invalidArgumentMessage, TESTED_BACKENDS, useBackend } from '@gantry/backend/testing';

function moments(values: Float32Array): { mean: number; std: number; min: number; max: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), min: values.reduce((a, b) => Math.min(a, b)), max: values.reduce((a, b) => Math.max(a, b)) };
}

describe.each(TESTED_BACKENDS)('continuous priors on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('normalPrior draws N(0, I) by default: 20,000 × 16 values, mean within 0.01, std within 0.01', () => {
    const z = normalPrior(16).sample(20_000, createRandom(1));
    expect(z.shape).toEqual([20_000, 16]);
    const { mean, std } = moments(z.dataSync() as Float32Array);
    // Standard error of the mean: 1/√320000 = 0.0018.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    z.dispose();
    const shifted = normalPrior(2, { mean: 3, std: 0.5 }).sample(20_000, createRandom(2));
    const m = moments(shifted.dataSync() as Float32Array);
    expect(Math.abs(m.mean - 3)).toBeLessThan(0.01);
    expect(Math.abs(m.std - 0.5)).toBeLessThan(0.01);
    shifted.dispose();
  });

  it('uniformPrior draws U[-1, 1) by default: within bounds, std 1/√3', () => {
    const u = uniformPrior(8).sample(20_000, createRandom(3));
    const { mean, std, min, max } = moments(u.dataSync() as Float32Array);
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThan(1);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1 / Math.sqrt(3))).toBeLessThan(0.01);
    u.dispose();
  });

  it('one seed gives the same codes, on every backend', async () => {
    const first = normalPrior(4).sample(5, createRandom(42));
    const again = normalPrior(4).sample(5, createRandom(42));
    expect(Array.from(again.dataSync())).toEqual(Array.from(first.dataSync()));
    const values = Array.from(first.dataSync());
    await useBackend(backend === 'cpu' ? 'wasm' : 'cpu');
    const elsewhere = normalPrior(4).sample(5, createRandom(42));
    expect(Array.from(elsewhere.dataSync())).toEqual(values);
    tf.dispose([elsewhere]);
    await useBackend(backend);
    tf.dispose([first, again]);
  });
});

describe('continuous priors: JSON and bad input', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('round-trips through JSON', () => {
    for (const prior of [normalPrior(3, { mean: 1, std: 2 }), uniformPrior(5, { min: 0, max: 4 })]) {
      const copy = continuousPriorFromJSON(JSON.parse(JSON.stringify(prior.toJSON())));
      expect(copy.toJSON()).toEqual(prior.toJSON());
      const a = prior.sample(3, createRandom(7));
      const b = copy.sample(3, createRandom(7));
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
    }
  });

  it('names the argument and the bad value', () => {
    expect(invalidArgumentMessage(() => normalPrior(0))).toBe('normalPrior: dimension must be an integer >= 1, got 0.');
    expect(invalidArgumentMessage(() => normalPrior(4, { std: 0 }))).toBe('normalPrior: options.std must be a finite number > 0, got 0.');
    expect(invalidArgumentMessage(() => uniformPrior(4, { min: 1, max: 1 }))).toBe('uniformPrior: options.max must be a finite number > 1, got 1.');
    expect(invalidArgumentMessage(() => normalPrior(4).sample(2.5, createRandom(1)))).toBe('normalPrior.sample: batch must be an integer >= 1, got 2.5.');
    expect(invalidArgumentMessage(() => normalPrior(4).sample(2, 42 as never))).toBe('normalPrior.sample: random must be a Random from createRandom(seed) (@gantry/backend), got number.');
    expect(invalidArgumentMessage(() => continuousPriorFromJSON({ kind: 'cauchy' } as never))).toBe(`continuousPriorFromJSON: json.kind must be 'normal' or 'uniform', got "cauchy".`);
  });
});

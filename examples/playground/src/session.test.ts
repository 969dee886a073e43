import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@gantry/backend';
import { createSession, DEFAULT_CONFIG, loadRun, saveRun, validateConfig, type PlaygroundConfig } from './session.js';

const SMALL: PlaygroundConfig = { ...DEFAULT_CONFIG, units: 16, layers: 2, categories: 4 };

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('validateConfig', () => {
  it.each([
    [{ recipe: 'acgan' }, "recipe must be one of vcagan, vanilla, infogan, got \"acgan\""],
    [{ lambdaCreg: -1 }, 'lambdaCreg must be a number in [0, 100], got -1'],
    [{ warmupSteps: 2.5 }, 'warmupSteps must be an integer in [0, 1000000], got 2.5'],
    [{ recentre: 'yes' }, 'recentre must be true or false, got "yes"'],
    [{ recentreAnnealSteps: -1 }, 'recentreAnnealSteps must be an integer in [0, 1000000], got -1'],
    [{ recentre: false, recentreAnnealSteps: 5 }, 'recentreAnnealSteps must be 0 unless recentre is true, got 5'],
    [{ generatorEma: 1 }, 'generatorEma must be null or a number in (0, 1), got 1'],
    [{ categories: 2.5 }, 'categories must be an integer in [1, 32], got 2.5'],
    [{ learningRate: Number.NaN }, 'learningRate must be a number in [0.000001, 0.1], got NaN'],
    [{ seed: -3 }, 'seed must be an integer in [0, 4294967295], got -3'],
  ])('rejects %j naming the field', (change, message) => {
    expect(() => validateConfig({ ...SMALL, ...change } as PlaygroundConfig)).toThrow(`playground config: ${message}.`);
  });

  it('rejects a mixture whose probabilities do not sum to 1, through gaussianMixture', () => {
    expect(() => validateConfig({ ...SMALL, mixture: { ...SMALL.mixture, probabilities: [0.5, 0.5, 0.5, 0.5] } })).toThrow(/probabilities/);
  });
});

describe('a session', () => {
  it.each(['vcagan', 'vanilla', 'infogan'] as const)('%s trains with finite losses, samples points in 2-D, and leaks no tensor', (recipe) => {
    const session = createSession({ ...SMALL, recipe });
    session.steps(2);
    const before = tf.memory().numTensors;
    const reports = session.steps(3);
    const { points, categories } = session.sample(50, 1);
    expect(tf.memory().numTensors).toBe(before);
    expect(reports.map((report) => report.step)).toEqual([3, 4, 5]);
    for (const report of reports) for (const value of Object.values(report.losses)) expect(Number.isFinite(value)).toBe(true);
    expect(points).toHaveLength(100);
    expect(categories).toHaveLength(50);
    for (const k of categories) expect(k >= 0 && k < 4).toBe(true);
    session.dispose();
  });

  it('saved and loaded, continues exactly like the uninterrupted run', async () => {
    const straight = createSession(SMALL);
    straight.steps(3);
    const saved = await saveRun(straight, [{ step: 3, losses: { a: 1 }, entropy: 2 }]);
    const expected = straight.steps(3).map((report) => report.losses);
    straight.dispose();

    const restored = loadRun(structuredClone(saved));
    expect(restored.trainer.step).toBe(3);
    expect(saved.history).toEqual([{ step: 3, losses: { a: 1 }, entropy: 2 }]);
    expect(restored.steps(3).map((report) => report.losses)).toEqual(expected);
    restored.dispose();
  });

  it('a run saved before the warm-up options existed loads as the paper-text run it was', async () => {
    const paper = { ...SMALL, warmupSteps: 0, recentre: false, recentreAnnealSteps: 0, generatorEma: null };
    const straight = createSession(paper);
    straight.steps(2);
    const saved = await saveRun(straight);
    const expected = straight.steps(2).map((report) => report.losses);
    straight.dispose();
    const older: { -readonly [K in keyof PlaygroundConfig]?: PlaygroundConfig[K] } = { ...saved.config };
    delete older.warmupSteps;
    delete older.recentre;
    delete older.recentreAnnealSteps;
    delete older.generatorEma;
    const restored = loadRun({ ...structuredClone(saved), config: older as PlaygroundConfig });
    expect(restored.steps(2).map((report) => report.losses)).toEqual(expected);
    restored.dispose();
  });

  it('refuses a saved run without a history array', async () => {
    const session = createSession(SMALL);
    const saved = await saveRun(session);
    session.dispose();
    expect(() => loadRun({ ...saved, history: undefined } as never)).toThrow('loadRun: history must be an array of step records, got undefined.');
  });

  it('refuses a saved run of another format', () => {
    expect(() => loadRun({ format: 'something-else', version: 1 } as never)).toThrow("loadRun: expected format 'gantry/playground-run' version 1, got \"something-else\" version 1.");
  });
});

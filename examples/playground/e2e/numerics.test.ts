// WebGPU in the browser against the cpu backend in Node: same seed, same first 10 steps.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@gantry/backend';
import { createSession, DEFAULT_CONFIG } from '../src/session.js';
import { launch, press, serve, waitForState } from './support.js';

const STEPS = 10;
const SEED = 11;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  server = await serve();
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The reference: the playground's own session code on TF.js's cpu backend in this Node process. */
async function cpuLosses(): Promise<Record<string, number>[]> {
  await selectBackend('cpu');
  const session = createSession({ ...DEFAULT_CONFIG, seed: SEED });
  try {
    return session.steps(STEPS).map((report) => ({ ...report.losses }));
  } finally {
    session.dispose();
    expect(tf.getBackend()).toBe('cpu');
  }
}

describe('WebGPU in Chromium matches cpu in Node', () => {
  it(`gives the first ${STEPS} steps' losses within 1e-3 relative`, async () => {
    const reference = await cpuLosses();
    const page = await browser.newPage();
    await page.goto(`${server.url}?backend=webgpu&seed=${SEED}`);
    await waitForState(page, (state) => state.backend === 'webgpu', 'the webgpu backend', 60_000);
    await press(page, 'start');
    const state = await waitForState(page, (s) => s.history.length >= STEPS, `${STEPS} steps`, 180_000);
    await press(page, 'pause');
    await page.close();

    let worst = { ratio: 0, where: '' };
    for (let i = 0; i < STEPS; i++) {
      const webgpu = state.history[i]?.losses ?? {};
      const cpu = reference[i] ?? {};
      expect(Object.keys(webgpu).sort()).toEqual(Object.keys(cpu).sort());
      for (const [name, expected] of Object.entries(cpu)) {
        const actual = webgpu[name] ?? Number.NaN;
        const ratio = Math.abs(actual - expected) / Math.abs(expected);
        if (!(ratio <= worst.ratio)) worst = { ratio, where: `step ${i + 1} ${name}: webgpu ${actual}, cpu ${expected}` };
      }
    }
    console.log(`worst relative difference over ${STEPS} steps: ${worst.ratio.toExponential(2)} (${worst.where})`);
    expect(worst.ratio, worst.where).toBeLessThanOrEqual(1e-3);
  });
});

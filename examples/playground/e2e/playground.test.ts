// The built page in Debian's Chromium: WebGPU (SwiftShader here), then the wasm and WebGL
// fall-backs, saving and restoring through IndexedDB, downloads, and a CLI-trained model.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_ARGS, launch, pageState, press, serve, waitForState, type PageState } from './support.js';
import { DEFAULT_CONFIG } from '../src/config.js';

const run = promisify(execFile);
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  server = await serve();
  browser = await launch();
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(query: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1340, height: 820 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${server.url}${query}`);
  await waitForState(page, (state) => state.backend !== '', 'a backend', 60_000);
  return page;
}

function expectFiniteChangingLosses(state: PageState): void {
  expect(state.history.length).toBeGreaterThanOrEqual(2);
  for (const record of state.history) {
    for (const [name, value] of Object.entries(record.losses)) expect(Number.isFinite(value), `${name} at step ${record.step} = ${value}`).toBe(true);
  }
  const first = state.history[0]?.losses ?? {};
  const last = state.history[state.history.length - 1]?.losses ?? {};
  expect(Object.keys(first).sort()).toEqual(['discriminator.adversarial', 'discriminator.cls', 'discriminator.creg', 'discriminator.r1', 'generator.adversarial']);
  for (const name of Object.keys(first)) expect(last[name], name).not.toBe(first[name]);
}

function expectDistribution(prior: readonly number[], categories: number): void {
  expect(prior).toHaveLength(categories);
  for (const p of prior) expect(p).toBeGreaterThanOrEqual(0);
  expect(Math.abs(prior.reduce((sum, p) => sum + p, 0) - 1)).toBeLessThan(1e-6);
}

describe('the playground on WebGPU (auto picks it first)', () => {
  it('trains, pauses, resumes, saves to IndexedDB, and restores the run after a reload', async () => {
    const page = await open('?seed=3');
    const ready = await pageState(page);
    expect(ready.backend).toBe('webgpu');
    expect(await page.textContent('#backend')).toBe('webgpu');
    expect(ready.backendReason).toMatch(/WebGPU; the first of webgpu, wasm, webgl, cpu that started/);

    await press(page, 'start');
    const early = await waitForState(page, (state) => state.step >= 4 && state.scatterUpdates >= 2, '4 steps');
    const trained = await waitForState(page, (state) => state.step >= early.step + 4 && state.scatterUpdates > early.scatterUpdates, '4 more steps');
    expectFiniteChangingLosses(trained);
    expectDistribution(trained.prior, DEFAULT_CONFIG.categories);
    expect(trained.stepsPerSecond).toBeGreaterThan(0);
    // The scatter was redrawn with new samples: the canvas holds coloured points.
    const colouredPixels = await page.$eval('#scatter', (canvas) => {
      const pixels = (canvas as HTMLCanvasElement).getContext('2d')?.getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height).data ?? new Uint8ClampedArray();
      let count = 0;
      for (let i = 0; i < pixels.length; i += 4) if (Math.max(pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0) - Math.min(pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0) > 60) count++;
      return count;
    });
    expect(colouredPixels).toBeGreaterThan(500);

    // Pause: the step stops moving.
    await press(page, 'pause');
    const paused = await waitForState(page, (state) => !state.running, 'the pause');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await pageState(page)).step).toBe(paused.step);

    // Save, then resume the same run for a few steps: the reference continuation.
    await press(page, 'save');
    const saved = await waitForState(page, (state) => state.saved !== null, 'the save');
    expect(saved.saved?.step).toBe(paused.step);
    await press(page, 'resume');
    const resumed = await waitForState(page, (state) => state.step >= paused.step + 3, 'steps after resume');
    await press(page, 'pause');
    await waitForState(page, (state) => !state.running, 'the second pause');
    // Resuming continued the run: one history, steps 1, 2, ... with no gap or restart.
    expect(resumed.history.map((record) => record.step)).toEqual(Array.from({ length: resumed.history.length }, (_, i) => i + 1));
    const continuation = resumed.history.filter((record) => record.step > paused.step).slice(0, 3);

    // Reload the page: nothing in memory survives; restore from IndexedDB and continue.
    await page.reload();
    await waitForState(page, (state) => state.backend === 'webgpu', 'the backend after reload', 60_000);
    expect((await pageState(page)).step).toBe(0);
    await press(page, 'restore');
    const restored = await waitForState(page, (state) => state.restored !== null && state.scatterUpdates > 0, 'the restore');
    expect(restored.restored?.step).toBe(paused.step);
    expect(restored.step).toBe(paused.step);
    // The charts continue: the saved history comes back with the run.
    expect(restored.history).toEqual(resumed.history.filter((record) => record.step <= paused.step));
    expectDistribution(restored.prior, DEFAULT_CONFIG.categories);
    await press(page, 'resume');
    const again = await waitForState(page, (state) => state.step >= paused.step + 3, 'steps after restore');
    await press(page, 'pause');
    // The restored run continues exactly where the saved one did (same weights, moments, P(C), random stream).
    again.history.filter((record) => record.step > paused.step).slice(0, 3).forEach((record, i) => {
      const reference = continuation[i];
      expect(record.step).toBe(reference?.step);
      for (const [name, value] of Object.entries(record.losses)) expect(Math.abs(value - (reference?.losses[name] ?? Number.NaN))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(value)));
    });
    await page.screenshot({ path: join(ARTIFACTS, 'webgpu.png') });
    await page.close();
  });
});

describe('the fall-backs, asked for by name', () => {
  it('trains on wasm, with the settings and the mixture edited in the page; Reset starts over', async () => {
    const page = await open('?backend=wasm&seed=2');
    expect((await pageState(page)).backend).toBe('wasm');
    // Settings through the inputs, a fifth component through the button, a weight through the table.
    await page.fill('#categories', '5');
    await page.fill('#seed', '4');
    await page.fill('#learning-rate', '0.002');
    await press(page, 'add-component');
    await page.fill('input[aria-label="component 5 weight"]', '1');
    await page.dispatchEvent('input[aria-label="component 5 weight"]', 'change');
    await press(page, 'start');
    const trained = await waitForState(page, (state) => state.step >= 6 && state.scatterUpdates >= 2, '6 steps');
    await press(page, 'pause');
    expectFiniteChangingLosses(trained);
    expectDistribution(trained.prior, 5);
    expect(trained.config).toMatchObject({ categories: 5, seed: 4, learningRate: 0.002 });
    expect(trained.config.mixture.centers).toEqual([[-2, 2], [2, 1], [0, -2], [1, -1], [0, 0]]);
    // Weights 0.1, 0.4, 0.2, 0.3, 1 become probabilities by dividing by their sum, 2.
    trained.config.mixture.probabilities.forEach((p, k) => expect(p).toBeCloseTo([0.05, 0.2, 0.1, 0.15, 0.5][k] ?? Number.NaN, 12));
    await page.screenshot({ path: join(ARTIFACTS, 'wasm.png') });

    await waitForState(page, (state) => !state.running, 'the pause');
    await press(page, 'reset');
    const reset = await waitForState(page, (state) => state.step === 0 && state.history.length === 0 && state.scatterUpdates > trained.scatterUpdates, 'the reset');
    expect(reset.running).toBe(false);
    expectDistribution(reset.prior, 5);
    await page.close();
  });

  it('without WebGPU, auto falls back to wasm and the page says why', async () => {
    const noWebGpu = await launch([...CHROMIUM_ARGS.filter((flag) => !/webgpu|vulkan/i.test(flag)), '--disable-features=WebGPU']);
    try {
      const page = await noWebGpu.newPage();
      await page.goto(server.url);
      const ready = await waitForState(page, (state) => state.backend !== '', 'a backend', 60_000);
      expect(ready.backend).toBe('wasm');
      const skipped = await page.$$eval('#backend-skipped li', (items) => items.map((item) => item.textContent ?? ''));
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatch(/^webgpu skipped: .*(navigator\.gpu is undefined|returned null: no WebGPU adapter)/);
      expect(await page.textContent('#backend-reason')).toBe('WebAssembly (XNNPACK, SIMD where supported); the first of webgpu, wasm, webgl, cpu that started');
    } finally {
      await noWebGpu.close();
    }
  });

  it('trains on webgl', async () => {
    const page = await open('?backend=webgl&seed=2');
    expect((await pageState(page)).backend).toBe('webgl');
    await press(page, 'start');
    const trained = await waitForState(page, (state) => state.step >= 6 && state.scatterUpdates >= 2, '6 steps');
    await press(page, 'pause');
    expectFiniteChangingLosses(trained);
    expectDistribution(trained.prior, DEFAULT_CONFIG.categories);
    await page.screenshot({ path: join(ARTIFACTS, 'webgl.png') });
    await page.close();
  });
});

describe('models as files', () => {
  it('downloads a generator that Node loads, and loads a generator trained by the CLI', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gantry-playground-'));
    try {
      const page = await open('?backend=wasm&units=16&layers=2&categories=4');
      await press(page, 'start');
      await waitForState(page, (state) => state.step >= 3, '3 steps');
      await press(page, 'pause');
      await waitForState(page, (state) => !state.running, 'the pause');
      const downloads = new Map<string, string>();
      page.on('download', (download) => {
        const path = join(folder, 'downloaded', download.suggestedFilename());
        downloads.set(download.suggestedFilename(), path);
        void download.saveAs(path);
      });
      const downloadedAt = (await pageState(page)).step;
      await press(page, 'download');
      await waitForState(page, () => downloads.size === 5, 'five downloads', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect([...downloads.keys()].sort()).toEqual(['model.json', 'playground-run.bin', 'playground-run.json', 'summary.json', 'weights.bin']);

      // The downloaded run loads back and continues from its step; its generator loads for sampling.
      await page.reload();
      await waitForState(page, (state) => state.backend === 'wasm', 'the backend after reload', 60_000);
      await page.setInputFiles('#load-files', [downloads.get('playground-run.json') ?? '', downloads.get('playground-run.bin') ?? '']);
      const fromFiles = await waitForState(page, (state) => state.restored !== null, 'the run from files');
      expect(fromFiles.restored).toEqual({ step: downloadedAt, from: 'files' });
      await page.setInputFiles('#load-files', [downloads.get('model.json') ?? '', downloads.get('weights.bin') ?? '', downloads.get('summary.json') ?? '']);
      const generator = await waitForState(page, (state) => state.imported !== null, 'the downloaded generator');
      expect(generator.imported?.description).toBe(`generator: recipe vcagan, step ${downloadedAt}, seed 1, d_z 16, d_c 4`);

      // A run trained by the CLI in Node, loaded into the page.
      const require = createRequire(import.meta.url);
      const bin = join(dirname(require.resolve('@gantry/cli/package.json')), 'dist', 'bin.js');
      const out = join(folder, 'cli-run');
      await run(process.execPath, [bin, 'train', '--steps', '20', '--units', '16', '--layers', '2', '--categories', '4', '--backend', 'cpu', '--seed', '5', '--out', out]);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { prior: number[] };
      await page.setInputFiles('#load-files', [join(out, 'models', 'generator', 'model.json'), join(out, 'models', 'generator', 'weights.bin'), join(out, 'summary.json'), join(out, 'config.json')]);
      const loaded = await waitForState(page, (state) => state.imported !== null, 'the CLI model');
      expect(loaded.imported?.description).toBe('generator: recipe vcagan, step 20, seed 5, d_z 16, d_c 4');
      expect(loaded.prior).toEqual(summary.prior);
      await page.close();

      // The browser's download is a TF.js layers model that Node loads: same input width, 2-D output.
      const tf = await import('@tensorflow/tfjs');
      await import('@gantry/models');
      const { selectBackend } = await import('@gantry/backend');
      await selectBackend('cpu');
      const model = await tf.loadLayersModel(tf.io.fromMemory({
        ...JSON.parse(await readFile(downloads.get('model.json') ?? '', 'utf8')),
        weightSpecs: JSON.parse(await readFile(downloads.get('model.json') ?? '', 'utf8')).weightsManifest[0].weights,
        weightData: new Uint8Array(await readFile(downloads.get('weights.bin') ?? '')).buffer,
      }));
      expect(model.inputs[0]?.shape).toEqual([null, 16 + 4]);
      expect(model.outputs[0]?.shape).toEqual([null, 2]);
      model.dispose();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

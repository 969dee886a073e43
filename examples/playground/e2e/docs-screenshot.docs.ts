// `pnpm docs:screenshot`: trains in Chromium until PLAYGROUND_STEPS (default 3000) and
// saves the picture the guide shows, docs/playground/after-training.png, with what the page
// reported at that moment in docs/playground/after-training.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { launch, press, pageState, serve, waitForState } from './support.js';

const STEPS = Number(process.env.PLAYGROUND_STEPS ?? '3000');
const QUERY = process.env.PLAYGROUND_QUERY ?? '?backend=wasm&seed=1';
const OUT = fileURLToPath(new URL('../../../docs/playground/', import.meta.url));

it(`trains ${STEPS} steps (${QUERY}) and takes the guide's screenshot`, async () => {
  const server = await serve();
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1340, height: 780 } });
    await page.goto(`${server.url}${QUERY}`);
    await waitForState(page, (state) => state.backend !== '', 'a backend', 60_000);
    const started = Date.now();
    await press(page, 'start');
    const report = setInterval(() => {
      void pageState(page).then((state) => console.log(`step ${state.step}, ${state.stepsPerSecond.toFixed(1)} steps/s, P(C) ${state.prior.map((p) => p.toFixed(2)).join(' ')}`));
    }, 30_000);
    await waitForState(page, (state) => state.step >= STEPS, `${STEPS} steps`, 60 * 60_000).finally(() => clearInterval(report));
    await press(page, 'pause');
    const state = await waitForState(page, (s) => !s.running, 'the pause');
    const seconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await mkdir(OUT, { recursive: true });
    await page.screenshot({ path: `${OUT}after-training.png` });
    const last = state.history[state.history.length - 1];
    await writeFile(`${OUT}after-training.json`, `${JSON.stringify({ query: QUERY, backend: state.backend, step: state.step, seconds: Math.round(seconds), prior: state.prior, losses: last?.losses, entropy: last?.entropy }, null, 2)}\n`);
    expect(state.step).toBeGreaterThanOrEqual(STEPS);
  } finally {
    await browser.close();
    await server.close();
  }
}, 60 * 60_000);

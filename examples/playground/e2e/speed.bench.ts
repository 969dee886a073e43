// `pnpm bench`: training steps per second of the page's default run on each backend in
// Chromium, measured over a window after a warm-up (shader compilation, wasm start-up).
import { it } from 'vitest';
import { launch, press, serve } from './support.js';

/** Extra page settings (`&units=512`) and the backends to time, from the environment. */
const QUERY = process.env.PLAYGROUND_QUERY ?? '';
const BACKENDS = (process.env.PLAYGROUND_BACKENDS ?? 'webgpu,wasm,webgl,cpu').split(',');
const WARM_UP_MS = 10_000;
const WINDOW_MS = 30_000;

interface Summary {
  backend: string;
  running: boolean;
  step: number;
  errors: string[];
}

it('prints steps per second on each backend', async () => {
  const server = await serve();
  const browser = await launch();
  const rows: string[] = [];
  try {
    for (const backend of BACKENDS) {
      const page = await browser.newPage({ viewport: { width: 1340, height: 780 } });
      const summary = (): Promise<Summary> => page.evaluate(() => (window as unknown as { gantryPlayground: { summary: () => Summary } }).gantryPlayground.summary());
      await page.goto(`${server.url}?backend=${backend}&seed=1${QUERY}`);
      while ((await summary()).backend === '') await new Promise((resolve) => setTimeout(resolve, 200));
      await press(page, 'start');
      await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
      const first = await summary();
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      const last = await summary();
      const seconds = (Date.now() - started) / 1000;
      if (last.errors.length > 0) throw new Error(`${backend}: ${last.errors.join('; ')}`);
      rows.push(`| ${last.backend} | ${((last.step - first.step) / seconds).toFixed(2)} | ${last.step - first.step} steps in ${seconds.toFixed(1)} s |`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log([`playground, VCAGAN, default settings${QUERY === '' ? ' (4 × 64 MLPs, batch 32)' : ` with ${QUERY}`}, Chromium headless:`, '| backend | steps/s | window |', '| --- | --- | --- |', ...rows].join('\n'));
}, 10 * 60_000);

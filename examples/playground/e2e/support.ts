// What the browser tests share: a static server for the built page and Debian's Chromium
// driven by playwright-core (never a downloaded browser).
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PlaygroundConfig } from '../src/config.js';

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** Where the screenshots are kept (CI keeps this folder as an artefact). */
export const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/playground/', import.meta.url));

/** Debian's chromium (`apt-get install -y chromium`), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * WebGPU on a CPU-only machine: Chromium's SwiftShader Vulkan device behind Dawn, and
 * ANGLE on SwiftShader for WebGL.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Serves the built page on 127.0.0.1 at a free port; resolves to its URL. */
export async function serve(root = DIST): Promise<{ url: string; close: () => Promise<void> }> {
  if (!existsSync(join(root, 'index.html'))) throw new Error(`serve: ${root}index.html is missing: build the page first (pnpm --filter @gantry/example-playground build)`);
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    stat(file)
      .then(() => readFile(file))
      .then((body) => {
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        response.end(body);
      })
      .catch(() => {
        response.writeHead(404);
        response.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('serve: no TCP address');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Launches Debian's Chromium, by default with WebGPU on SwiftShader. */
export async function launch(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`launch: no Chromium at ${CHROMIUM}: run 'apt-get install -y chromium' (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...args], headless: true });
}

/** The page's state (window.gantryPlayground.state()). */
export interface PageState {
  backend: string;
  backendReason: string;
  running: boolean;
  step: number;
  history: { step: number; losses: Record<string, number>; entropy: number }[];
  prior: number[];
  scatterUpdates: number;
  stepsPerSecond: number;
  saved: null | { step: number; bytes: number };
  restored: null | { step: number; from: string };
  imported: null | { description: string };
  errors: string[];
  config: PlaygroundConfig;
}

export function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => (window as unknown as { gantryPlayground: { state: () => PageState } }).gantryPlayground.state());
}

/** Polls the page's state until `ready` holds; fails with the last state and the page's errors. */
export async function waitForState(page: Page, ready: (state: PageState) => boolean, what: string, timeoutMs = 120_000): Promise<PageState> {
  const deadline = Date.now() + timeoutMs;
  let last: PageState | undefined;
  while (Date.now() < deadline) {
    last = await pageState(page);
    if (last.errors.length > 0) throw new Error(`waiting for ${what}: the page reported ${last.errors.join('; ')}`);
    if (ready(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`waiting for ${what}: timed out after ${timeoutMs} ms; last state: step ${last?.step}, backend '${last?.backend}', running ${last?.running}, status '${await page.textContent('#status')}'`);
}

/** A button press through the DOM: SwiftShader keeps the GPU process busy, and pointer clicks wait on frames. */
export async function press(page: Page, id: string): Promise<void> {
  await page.$eval(`#${id}`, (button) => {
    if ((button as HTMLButtonElement).disabled) throw new Error(`#${button.id} is disabled`);
    (button as HTMLButtonElement).click();
  });
}

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { config, forbidNodeBuiltins } from '../vite.config.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('browser bundle of @gantry/backend, losses, priors and models', () => {
  it('builds with Vite without any Node built-in in our code', async () => {
    await build({ ...config, root, configFile: false, logLevel: 'warn' });
    const bundlePath = `${root}dist/bundle.js`;
    const code = await readFile(bundlePath, 'utf8');
    // The browser build, not the Node one, was bundled, with TF.js's gradients in it.
    expect(code).toContain('browserPlatform');
    expect(code).not.toContain('nodePlatform');
    expect(code).not.toMatch(/from ["']node:/);
    expect(code).toMatch(/kernelName: Tanh/);
    // The losses and priors are in it too.
    expect(code).toContain('"r1Penalty"');
    expect(code).toContain('gantry/categorical-prior');
    // The models' browser build: equalized layers, and no file:// handler.
    expect(code).toContain('EqualizedDense');
    expect(code).not.toContain('registerFileHandler');
    // The trainer and the VCAGAN recipe, without the trainer's Node entry (checkpoints on disk).
    expect(code).toContain('gantry/trainer-state');
    expect(code).toContain('"vcagan"');
    expect(code).not.toContain('saveCheckpoint');
    // Running it needs a browser: TF.js picks its Node platform when loaded in Node, and
    // the bundle has (rightly) only browser stubs for it. The playground issue runs it in Chromium.
    expect(code).toMatch(/export \{[^}]*\brun\b/);
  });

  it('the guard itself rejects a Node built-in', async () => {
    await expect(
      build({
        root,
        configFile: false,
        logLevel: 'silent',
        plugins: [forbidNodeBuiltins()],
        build: { write: false, lib: { entry: 'fixtures/imports-node.ts', formats: ['es'], fileName: 'guard' } },
      }),
    ).rejects.toThrow(/Node built-in 'node:fs' imported by .*imports-node\.ts in a browser bundle/);
  });
});

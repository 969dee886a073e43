import { builtinModules } from 'node:module';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Fails the build if our code imports a Node built-in: browser entry points must not.
 * TF.js's own guarded imports (`util` in its Node platform, `crypto` in seedrandom) stay
 * Vite's business: it replaces them with empty browser stubs.
 */
export function forbidNodeBuiltins(): Plugin {
  return {
    name: 'forbid-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (NODE_BUILTINS.has(source) && !(importer ?? '').includes('/node_modules/')) {
        throw new Error(`Node built-in '${source}' imported by ${importer ?? 'the entry'} in a browser bundle`);
      }
      return null;
    },
  };
}

export const config = defineConfig({
  plugins: [forbidNodeBuiltins()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    minify: false,
    lib: { entry: 'src/main.ts', formats: ['es'], fileName: 'bundle' },
    rollupOptions: { external: [] },
  },
  test: { include: ['src/**/*.test.ts'], testTimeout: 120_000 },
});

// Vite reads the config file's default export.
export default config;

import { defineConfig } from 'vitest/config';
import { forbidNodeBuiltins } from '../../scripts/vite-plugins.js';

export default defineConfig({
  plugins: [forbidNodeBuiltins()],
  // Relative asset URLs: the built page works from any folder or sub-path (GitHub Pages, file servers).
  base: './',
  worker: { format: 'es', plugins: () => [forbidNodeBuiltins()] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  // The docs screenshot and the benchmark train for minutes: only `pnpm docs:screenshot` and `pnpm bench` run them.
  test: { include: ['src/**/*.test.ts', 'e2e/**/*.test.ts', ...(process.env.PLAYGROUND_RUN === undefined ? [] : [`e2e/**/*.${process.env.PLAYGROUND_RUN}.ts`])], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false },
});

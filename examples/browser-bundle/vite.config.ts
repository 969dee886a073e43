import { defineConfig } from 'vitest/config';
import { forbidNodeBuiltins } from '../../scripts/vite-plugins.js';

export { forbidNodeBuiltins };

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

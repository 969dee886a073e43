import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Finite-difference tables run many small kernels on two backends.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

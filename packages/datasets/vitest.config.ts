import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // MNIST loads (60,000 + 10,000 images) and 100,000-sample checks on two backends.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

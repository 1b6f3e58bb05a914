import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@clerk-sync/source'] },
  ssr: { resolve: { conditions: ['@clerk-sync/source'] } },
  test: {
    include: ['{apps,packages}/*/src/**/*.test.ts', 'infra/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

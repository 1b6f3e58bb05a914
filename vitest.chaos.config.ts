import { defineConfig } from 'vitest/config';

/** `pnpm test:chaos`: the fault-injection suite, which takes a couple of minutes and owns its servers. */
export default defineConfig({
  resolve: { conditions: ['@clerk-sync/source'] },
  ssr: { resolve: { conditions: ['@clerk-sync/source'] } },
  test: {
    include: ['apps/*/test/**/*.chaos.test.ts'],
    testTimeout: 540_000,
    hookTimeout: 60_000,
  },
});

import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that drive a real Chromium; their project's global setup provisions it (scripts/ensure-chromium.ts). */
const chromiumTests = '{apps,packages}/*/src/**/*.browser.int.test.ts';

export default defineConfig({
  resolve: { conditions: ['@clerk-sync/source'] },
  ssr: { resolve: { conditions: ['@clerk-sync/source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two projects so that Chromium is looked for (and installed) only when a browser test is selected.
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: [
            '{apps,packages,examples}/*/src/**/*.test.ts',
            'infra/test/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, chromiumTests],
        },
      },
      {
        extends: true,
        test: { name: 'chromium', include: [chromiumTests], globalSetup: ['scripts/ensure-chromium.ts'] },
      },
    ],
  },
});

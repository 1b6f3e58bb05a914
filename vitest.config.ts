import { configDefaults, defineConfig } from 'vitest/config';

/** Every test file of `pnpm test`; the chaos suite has its own config (vitest.chaos.config.ts). */
const allTests = [
  '{apps,packages,examples}/*/src/**/*.test.ts',
  'infra/test/**/*.test.ts',
  'scripts/**/*.test.ts',
];
/** Tests that need Redis, Postgres, the network or PGlite on disk: named `*.int.test.ts` (house style). */
const serviceTests = '**/*.int.test.ts';
/** Tests that drive a real Chromium; their project's global setup provisions it (scripts/ensure-chromium.ts). */
const chromiumTests = '{apps,packages}/*/src/**/*.browser.int.test.ts';
/**
 * Tests that need no service but read the compiled `dist/` of every package, which `pnpm test` builds
 * first and `pnpm test:unit` does not (a cold build alone takes longer than the unit suite).
 */
const builtOutputTests = [
  'infra/test/runtime-dependencies.test.ts',
  'packages/telemetry/src/tracing.test.ts',
];

export default defineConfig({
  resolve: { conditions: ['@clerk-sync/source'] },
  ssr: { resolve: { conditions: ['@clerk-sync/source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file belongs to exactly one project, so `pnpm test` (all three) runs every test once.
    // `unit` runs from the sources with Redis and Postgres stopped (`pnpm test:unit`); Chromium is
    // looked for (and installed) only when a browser test is selected.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: allTests,
          exclude: [...configDefaults.exclude, serviceTests, ...builtOutputTests],
          // Worker threads start faster than forked processes; no unit test changes its process
          // (cwd, exit), so they are safe here and take about a fifth off the run on two cores.
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: [
            ...allTests.map((glob) => glob.replace(/\*\.test\.ts$/, '*.int.test.ts')),
            ...builtOutputTests,
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

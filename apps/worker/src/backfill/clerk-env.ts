import { CLERK_API_RATES } from '@clerk-sync/backend-api';
import { type EnvSource, envKeys, parseEnv } from '@clerk-sync/config';
import { z } from 'zod';

/**
 * What `clerk-sync backfill` and `reconcile` read on top of the worker's settings. `CLERK_API_RATE`
 * is the instance's limit; the backfill uses `CLERK_API_RATE_SHARE` of it, leaving the rest for your
 * product's own calls. `CLERK_SECRET_KEY` is a secret: no message repeats it.
 */
export const clerkApiEnv = z.object({
  CLERK_SECRET_KEY: z
    .string({
      error: 'is required: the secret key (sk_live_… or sk_test_…) from the Clerk dashboard, API keys',
    })
    .min(1, 'is empty'),
  CLERK_API_URL: z.string().url().default('https://api.clerk.com'),
  CLERK_API_RATE: z
    .string()
    .default('production')
    .transform((v, ctx) => {
      // Own keys only: `toString` or `constructor` must be refused, not read off Object.prototype.
      if (Object.hasOwn(CLERK_API_RATES, v)) return CLERK_API_RATES[v as keyof typeof CLERK_API_RATES];
      const n = Number(v);
      if (Number.isFinite(n) && n > 0) return n;
      ctx.addIssue({ code: 'custom', message: 'production, development, or requests per 10 seconds' });
      return z.NEVER;
    }),
  CLERK_API_RATE_SHARE: z.coerce.number().gt(0).max(1).default(0.9),
  CLERK_API_MAX_TRIES: z.coerce.number().int().min(1).default(6),
  BACKFILL_PAGE_SIZE: z.coerce.number().int().min(1).max(500).default(500),
});

export type ClerkApiEnv = z.output<typeof clerkApiEnv>;

/** Every variable `backfill` and `reconcile` read on top of the worker's. */
export const clerkApiEnvKeys = envKeys(clerkApiEnv);

/** The Clerk API settings alone; throws a `ConfigError` naming every bad variable. */
export function readClerkApiEnv(env: EnvSource): ClerkApiEnv {
  return parseEnv(clerkApiEnv, env, 'Clerk API');
}

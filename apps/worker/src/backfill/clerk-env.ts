import { z } from 'zod';
import { CLERK_API_RATES } from './clerk-api.js';

const schema = z.object({
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

export type ClerkApiEnv = z.infer<typeof schema>;

/** Every variable `backfill` and `reconcile` read on top of the worker's. */
export const clerkApiEnvKeys = Object.keys(schema.shape);

/**
 * Settings for `pnpm backfill` and `pnpm reconcile`. `CLERK_API_RATE` is the instance's limit;
 * the backfill uses `CLERK_API_RATE_SHARE` of it, leaving the rest for your product's own calls.
 */
export function readClerkApiEnv(env: Record<string, string | undefined> = process.env): ClerkApiEnv {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid Clerk API configuration:\n${lines.join('\n')}`);
}

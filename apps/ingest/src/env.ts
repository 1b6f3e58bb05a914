import { DEFAULT_QUEUE_NAME } from '@clerk-sync/events';
import { z } from 'zod';
import { parseSigningSecrets } from './signing-secrets.js';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const schema = z.object({
  PORT: int(3000, 0),
  HOST: z.string().min(1).default('0.0.0.0'),
  CLERK_WEBHOOK_SIGNING_SECRET: z
    .string({ error: 'is required: the signing secret(s) from the Clerk dashboard, whsec_…' })
    .transform((raw, ctx) => {
      try {
        return parseSigningSecrets(raw);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  QUEUE_NAME: z
    .string()
    .regex(/^[\w{}.-]+$/, 'letters, digits, _ . - and {} only')
    .default(DEFAULT_QUEUE_NAME),
  BODY_LIMIT_BYTES: int(1024 * 1024, 1),
  ENQUEUE_TIMEOUT_MS: int(2000, 50),
  JOB_ATTEMPTS: int(15, 1),
  JOB_BACKOFF_MS: int(1000, 1),
  JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  DEDUPE_WINDOW_SECONDS: int(24 * 3600, 1),
  DEDUPE_MAX_JOBS: int(200_000, 1),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  ADMIN_PORT: int(3001, 0),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_USERNAME: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type IngestEnv = z.infer<typeof schema>;

/** Every variable the ingest reads (besides the standard `OTEL_*`), for docs and deployment checks. */
export const ingestEnvKeys = Object.keys(schema.shape);

/**
 * Parses the ingest's configuration. Throws one error listing every bad variable; it never echoes
 * a secret's value.
 */
export function readIngestEnv(env: Record<string, string | undefined> = process.env): IngestEnv {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid ingest configuration:\n${lines.join('\n')}`);
}

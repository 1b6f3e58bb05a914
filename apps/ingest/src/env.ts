import { DEFAULT_QUEUE_NAME } from '@clerk-sync/queue';
import { z } from 'zod';
import { parseAllowedHosts } from './admin/admin-guard.js';
import { adminPasswordProblem } from './admin/admin-password.js';
import { parseSigningSecrets } from './signing-secrets.js';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
/** An empty variable (`ADMIN_PASSWORD=` in .env, `""` in a Secret) means unset. */
const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

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
  BODY_LIMIT_BYTES: int(256 * 1024, 1),
  HTTP_REQUEST_TIMEOUT_MS: int(15_000, 100),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100),
  HTTP_KEEPALIVE_TIMEOUT_MS: int(10_000, 100),
  HTTP_MAX_CONNECTIONS: int(1000, 1),
  ENQUEUE_TIMEOUT_MS: int(2000, 50),
  JOB_ATTEMPTS: int(15, 1),
  JOB_BACKOFF_MS: int(1000, 1),
  JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  DEDUPE_WINDOW_SECONDS: int(24 * 3600, 1),
  DEDUPE_MAX_JOBS: int(200_000, 1),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  ADMIN_PORT: int(3001, 0),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_USERNAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^:]+$/, 'must be non-empty and contain no ":"')
      .default('admin'),
  ),
  ADMIN_PASSWORD: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .superRefine((password, ctx) => {
        const problem = password === undefined ? undefined : adminPasswordProblem(password);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  ),
  ADMIN_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((raw, ctx) => {
      try {
        return parseAllowedHosts(raw);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  METRICS_PORT: int(3003, 0),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
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

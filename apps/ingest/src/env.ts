import { type EnvSource, emptyAsUnset, envInt, envKeys, parseEnv } from '@clerk-sync/config';
import { queueEnv, refineQueueEnv } from '@clerk-sync/queue';
import { logEnv } from '@clerk-sync/telemetry';
import { z } from 'zod';
import { parseAllowedHosts } from './admin/admin-guard.js';
import { adminPasswordProblem } from './admin/admin-password.js';
import { parseSigningSecrets } from './signing-secrets.js';

const ingestSettings = z.object({
  PORT: envInt(3000, 0),
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
  ...queueEnv.shape,
  BODY_LIMIT_BYTES: envInt(256 * 1024, 1),
  HTTP_REQUEST_TIMEOUT_MS: envInt(15_000, 100),
  HTTP_HEADERS_TIMEOUT_MS: envInt(10_000, 100),
  HTTP_KEEPALIVE_TIMEOUT_MS: envInt(10_000, 100),
  HTTP_MAX_CONNECTIONS: envInt(1000, 1),
  ENQUEUE_TIMEOUT_MS: envInt(2000, 50),
  JOB_ATTEMPTS: envInt(15, 1),
  JOB_BACKOFF_MS: envInt(1000, 1),
  JOB_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  DEDUPE_WINDOW_SECONDS: envInt(24 * 3600, 1),
  DEDUPE_MAX_JOBS: envInt(200_000, 1),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 0),
  ADMIN_PORT: envInt(3001, 0),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_USERNAME: emptyAsUnset(
    z
      .string()
      .regex(/^[^:]+$/, 'must be non-empty and contain no ":"')
      .default('admin'),
  ),
  ADMIN_PASSWORD: emptyAsUnset(
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
  METRICS_PORT: envInt(3003, 0),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  ...logEnv.shape,
});

/**
 * The ingest's configuration: its own settings, the queue it fills (`REDIS_URL`, `QUEUE_NAME`) and
 * `LOG_LEVEL`. Never the database: the edge has no Postgres settings to hold.
 */
export const ingestEnv = ingestSettings.superRefine((env, ctx) => {
  refineQueueEnv(env, ctx);
  // Node refuses a headers timeout longer than the request timeout; say so at start, by name.
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['HTTP_HEADERS_TIMEOUT_MS'],
      message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
    });
  }
});

export type IngestEnv = z.output<typeof ingestEnv>;

/** Every variable the ingest reads (besides the standard `OTEL_*`), for docs and deployment checks. */
export const ingestEnvKeys = envKeys(ingestEnv);

/**
 * Parses the ingest's configuration. Throws one `ConfigError` listing every bad variable; it never
 * echoes a secret's value.
 */
export function readIngestEnv(env: EnvSource): IngestEnv {
  return parseEnv(ingestEnv, env, 'ingest');
}

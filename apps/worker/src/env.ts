import {
  type DbConfig,
  dbEnvKeys,
  type PrivacyOptions,
  readDbConfig,
  readPrivacyOptions,
} from '@clerk-sync/db';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '@clerk-sync/events';
import { DEFAULT_QUEUE_NAME } from '@clerk-sync/queue';
import { z } from 'zod';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const schema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  QUEUE_NAME: z
    .string()
    .regex(/^[\w{}.-]+$/, 'letters, digits, _ . - and {} only')
    .default(DEFAULT_QUEUE_NAME),
  WORKER_CONCURRENCY: int(200, 1),
  BATCH_MAX: int(200, 1),
  BATCH_WAIT_MS: int(10, 0),
  WORKER_MAX_STALLED: int(5, 1),
  WORKER_LOCK_MS: int(30_000, 500),
  WORKER_STALLED_INTERVAL_MS: int(30_000, 500),
  WORKER_SHUTDOWN_TIMEOUT_MS: int(20_000, 0),
  DEAD_LETTER_SWEEP_MS: int(30_000, 100),
  /**
   * Dead letters older than this are deleted by the sweep: they hold whole payloads, personal data
   * included. Fourteen days by default, long enough to notice, fix and replay.
   */
  DEAD_LETTER_TTL_MS: int(14 * 24 * 60 * 60 * 1000, 60_000),
  /**
   * An event whose version is further ahead of the worker's clock than this is dead-lettered, never
   * applied. At least a minute, so that ordinary drift between Clerk's clock and ours is never refused.
   */
  MAX_FUTURE_SKEW_MS: int(DEFAULT_MAX_FUTURE_SKEW_MS, 60_000),
  /**
   * `false` for a runtime role without DDL rights: the worker then only checks that the schema has
   * every migration (run `db:migrate` as the owner first) and exits 1 if not.
   */
  MIGRATE_ON_START: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SCRUB_COMPLETED_JOBS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  WORKER_METRICS_PORT: int(3002, 0),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Every variable the worker reads (besides the standard `OTEL_*`), for docs and deployment checks. */
export const workerEnvKeys = [
  ...Object.keys(schema.shape),
  ...dbEnvKeys,
  'STORE_PRIVATE_METADATA',
  'STORE_PHONE_NUMBERS',
  'STORE_EXTERNAL_ACCOUNTS',
  'STORE_WEB3_WALLETS',
  'STORE_MESSAGE_CONTENT',
  'USER_DELETION',
];

export type WorkerEnv = z.infer<typeof schema> & { db: DbConfig; privacy: PrivacyOptions };

/** Parses the worker's configuration once; throws one message naming every bad variable. */
export function readWorkerEnv(env: Record<string, string | undefined> = process.env): WorkerEnv {
  const result = schema.safeParse(env);
  const problems = result.success
    ? []
    : result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  let db: DbConfig | undefined;
  let privacy: PrivacyOptions | undefined;
  try {
    db = readDbConfig(env);
  } catch (error) {
    problems.push(`  ${(error as Error).message}`);
  }
  try {
    privacy = readPrivacyOptions(env);
  } catch (error) {
    problems.push(`  ${(error as Error).message}`);
  }
  if (!result.success || !db || !privacy)
    throw new Error(`invalid worker configuration:\n${problems.join('\n')}`);
  return { ...result.data, db, privacy };
}

import {
  ConfigError,
  type EnvSource,
  envFlag,
  envInt,
  envKeys,
  type InstancesConfig,
  instancesEnv,
  instancesFromEnv,
  parseEnv,
  pickEnv,
} from '@clerk-sync/config';
import {
  type DbConfig,
  dbConfigFromEnv,
  dbEnv,
  type PrivacyOptions,
  privacyEnv,
  privacyOptionsFromEnv,
  type RetentionPolicy,
  retentionEnv,
  retentionPolicyFromEnv,
  schemaNameProblem,
} from '@clerk-sync/db';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '@clerk-sync/events';
import { queueEnv, refineQueueEnv } from '@clerk-sync/queue';
import { logEnv } from '@clerk-sync/telemetry';
import { z } from 'zod';

/** Events applied in one transaction at most (`BATCH_MAX`). */
export const DEFAULT_BATCH_MAX = 200;
/**
 * Jobs active at once when `WORKER_CONCURRENCY` is unset: two batches' worth of `BATCH_MAX`, so that the
 * next batch gathers while one is being written. With one batch's worth, every job waited for the
 * commit before the next was fetched (docs/benchmarks.md).
 */
export function defaultConcurrency(batchMax: number): number {
  return 2 * batchMax;
}

/** The worker's settings that stay flat in {@link WorkerEnv}: the queue piece, its own, `LOG_LEVEL`. */
const workerSettings = z.object({
  ...queueEnv.shape,
  /** Unset: {@link defaultConcurrency} of the `BATCH_MAX` in force (see {@link toWorkerEnv}). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  BATCH_MAX: envInt(DEFAULT_BATCH_MAX, 1),
  BATCH_WAIT_MS: envInt(10, 0),
  WORKER_MAX_STALLED: envInt(5, 1),
  /**
   * A job's lock, renewed every half of it while the job runs. With the stalled check every
   * `WORKER_STALLED_INTERVAL_MS`, a killed worker's jobs run again within lock + interval (11 s by
   * default). A worker whose event loop is blocked for more than half the lock can lose a job to
   * another worker, which applies it again: harmless (inbox, guards), counted as a stalled job.
   */
  WORKER_LOCK_MS: envInt(8000, 500),
  WORKER_STALLED_INTERVAL_MS: envInt(3000, 500),
  WORKER_SHUTDOWN_TIMEOUT_MS: envInt(20_000, 0),
  DEAD_LETTER_SWEEP_MS: envInt(30_000, 100),
  /**
   * Dead letters older than this are deleted by the sweep: they hold whole payloads, personal data
   * included. Fourteen days by default, long enough to notice, fix and replay.
   */
  DEAD_LETTER_TTL_MS: envInt(14 * 24 * 60 * 60 * 1000, 60_000),
  /**
   * An event whose version is further ahead of the worker's clock than this is dead-lettered, never
   * applied. At least a minute, so that ordinary drift between Clerk's clock and ours is never refused.
   */
  MAX_FUTURE_SKEW_MS: envInt(DEFAULT_MAX_FUTURE_SKEW_MS, 60_000),
  /**
   * `false` for a runtime role without DDL rights: the worker then only checks that the schema has
   * every migration (run `db:migrate` as the owner first) and exits 1 if not.
   */
  MIGRATE_ON_START: envFlag(true),
  SCRUB_COMPLETED_JOBS: envFlag(true),
  /** `production` (the shipped image's) refuses to fall back on embedded PGlite: see {@link requireDatabaseInProduction}. */
  NODE_ENV: z.string().optional(),
  WORKER_METRICS_PORT: envInt(3002, 0),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  ...logEnv.shape,
});

/**
 * Every variable the worker reads: its settings plus the database, privacy and retention pieces, which
 * {@link toWorkerEnv} folds into `db`, `privacy` and `retention`. The `clerk-sync` commands extend it.
 */
export const workerEnv = workerSettings.extend({
  ...dbEnv.shape,
  ...privacyEnv.shape,
  ...retentionEnv.shape,
  ...instancesEnv.shape,
});

/** A Clerk instance as the worker serves it: its schema resolved (`DB_SCHEMA` unless given). */
export interface WorkerInstance {
  name: string;
  /** `ins_…`; unset only for the single default instance without `CLERK_INSTANCE_ID`. */
  id: string | undefined;
  schema: string;
}

export interface WorkerInstances extends Omit<InstancesConfig, 'instances'> {
  instances: readonly WorkerInstance[];
}

export type WorkerEnv = Omit<z.output<typeof workerSettings>, 'WORKER_CONCURRENCY'> & {
  /** Jobs active at once: as set, or twice `BATCH_MAX`. */
  WORKER_CONCURRENCY: number;
  db: DbConfig;
  privacy: PrivacyOptions;
  /** What the retention sweep prunes, and every how many ms (`RETENTION_SWEEP_MS`). */
  retention: RetentionPolicy & { sweepMs: number };
  /** The Clerk instances whose events this worker applies (`CLERK_INSTANCES`), and the allowlist. */
  instances: WorkerInstances;
};

/** Every variable the worker reads (besides the standard `OTEL_*`), for docs and deployment checks. */
export const workerEnvKeys = envKeys(workerEnv);

/** The parsed variables as the worker uses them: flat settings, with `db` and `privacy` built from theirs. */
export function toWorkerEnv(parsed: z.output<typeof workerEnv>): WorkerEnv {
  const db = dbConfigFromEnv(parsed);
  const instances = instancesFromEnv(parsed);
  const settings = pickEnv(parsed, workerSettings);
  return {
    ...settings,
    WORKER_CONCURRENCY: settings.WORKER_CONCURRENCY ?? defaultConcurrency(settings.BATCH_MAX),
    db,
    privacy: privacyOptionsFromEnv(parsed),
    retention: { ...retentionPolicyFromEnv(parsed), sweepMs: parsed.RETENTION_SWEEP_MS },
    instances: {
      ...instances,
      instances: instances.instances.map((i) => ({ ...i, schema: i.schema ?? db.schema })),
    },
  };
}

/** Every schema the worker writes: `DB_SCHEMA` first, then each instance's own, once each. */
export function workerSchemas(env: Pick<WorkerEnv, 'db' | 'instances'>): string[] {
  return [...new Set([env.db.schema, ...env.instances.instances.map((i) => i.schema)])];
}

/** The worker's checks across variables: the queue's, the instances', and each instance's schema name. */
export function refineWorkerEnv(env: z.output<typeof workerEnv>, ctx: z.RefinementCtx): void {
  refineQueueEnv(env, ctx);
  for (const instance of instancesFromEnv(env, ctx).instances) {
    const problem = instance.schema === undefined ? undefined : schemaNameProblem(instance.schema);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLERK_INSTANCES'],
        message: `${instance.name}: schema ${problem}`,
      });
    }
  }
}

/**
 * Parses the worker's configuration once; throws one `ConfigError` naming every bad variable.
 * `processName` heads the message (`invalid worker configuration:`); the `clerk-sync` commands that
 * read the worker's settings pass their own.
 */
export function readWorkerEnv(
  env: EnvSource,
  processName = 'worker',
  options: { needsDatabase?: boolean } = {},
): WorkerEnv {
  const parsed = toWorkerEnv(parseEnv(workerEnv.superRefine(refineWorkerEnv), env, processName));
  if (options.needsDatabase ?? true) requireDatabaseInProduction(parsed, processName);
  return parsed;
}

/**
 * Embedded PGlite (what an unset or empty `DATABASE_URL` means) is for trying clerk-sync out. Under
 * `NODE_ENV=production`, which the shipped image sets, it is refused: an empty value in a Secret must
 * not make a worker write to its container's disk while looking healthy.
 */
export function requireDatabaseInProduction(
  env: Pick<WorkerEnv, 'NODE_ENV' | 'db'>,
  processName: string,
): void {
  if (env.db.databaseUrl || env.NODE_ENV !== 'production') return;
  throw new ConfigError(processName, [
    {
      key: 'DATABASE_URL',
      problem:
        'is required with NODE_ENV=production (the shipped image sets it): unset or empty means embedded PGlite, which is for trying clerk-sync out',
    },
  ]);
}

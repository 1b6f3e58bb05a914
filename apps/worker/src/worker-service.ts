import {
  type ApplyResult,
  applyEvents,
  type ClerkDatabase,
  openDatabase,
  readDriftReport,
  readRecentErasures,
} from '@clerk-sync/db';
import {
  type DeadLetters,
  type EventQueues,
  JobScrubber,
  openQueues,
  type RedisConnection,
  redisTarget,
  takeLease,
} from '@clerk-sync/queue';
import { createShutdown, type Shutdown, serveMetrics } from '@clerk-sync/telemetry';
import { type Processor, Worker } from 'bullmq';
import { Batcher, type BatchReport } from './batcher.js';
import { startDeadLetterSweep } from './dead-letter-sweep.js';
import { type WorkerEnv, workerSchemas } from './env.js';
import { type ErasurePurger, erasurePurger } from './erasure-purger.js';
import { failurePolicy } from './failure-policy.js';
import { createInstanceRouter, type RoutedEvent } from './instance-router.js';
import { createJobProcessor } from './job-processor.js';
import { logBatch } from './log-batch.js';
import { logStarted } from './log-started.js';
import type { Logger } from './logger.js';
import { createWorkerMetrics, type DriftSnapshot, type WorkerMetrics } from './metrics.js';
import { checkSharedSchemas, prepareSchema } from './prepare-schema.js';
import { startRetentionSweep } from './retention-sweep.js';
import { connectWorkerRedis } from './worker-redis.js';

export interface WorkerHooks {
  onBatch?: (report: BatchReport) => void;
}

export interface WorkerService {
  worker: Worker;
  metrics: WorkerMetrics;
  /** Serves `/metrics` on WORKER_METRICS_PORT; resolves with the bound port. */
  listenMetrics(): Promise<number>;
  deadLetters: DeadLetters;
  database: ClerkDatabase;
  /**
   * Stops the sweep and the metrics listener, stops fetching, finishes the current batch, then closes
   * queues, Redis and the database. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts the consumer: migrates the schema (under an advisory lock) or, with `MIGRATE_ON_START=false`,
 * checks that it has every migration; then applies jobs in batches. Throws if the schema cannot be
 * migrated or is behind, so the process exits non-zero instead of running on a broken schema; whatever
 * the start had opened by then is closed first.
 */
export async function startWorker(
  env: WorkerEnv,
  logger: Logger,
  hooks: WorkerHooks = {},
): Promise<WorkerService> {
  const shutdown = createShutdown(logger);
  const database = await openDatabase(env.db);
  shutdown.add('database', () => database.close());
  try {
    await prepareDatabase(database, env, logger);
    return await startConsumer({ env, logger, hooks, database, shutdown });
  } catch (error) {
    await shutdown.close().catch(() => {});
    throw error;
  }
}

interface ConsumerParts {
  env: WorkerEnv;
  logger: Logger;
  hooks: WorkerHooks;
  database: ClerkDatabase;
  /** Each resource registers its close step here as it is opened; steps run newest first. */
  shutdown: Shutdown;
}

/** Migrates (or checks) the schema of every instance, then refuses shared schemas with unadopted rows. */
async function prepareDatabase(database: ClerkDatabase, env: WorkerEnv, logger: Logger): Promise<void> {
  for (const schema of workerSchemas(env)) {
    const applied = await prepareSchema(database, env, schema);
    logger.info(
      { schema, backend: database.kind, migrations: applied, migrateOnStart: env.MIGRATE_ON_START },
      'database ready',
    );
  }
  await checkSharedSchemas(database, env.instances.instances);
}

/**
 * The drift of every schema the worker writes, as one snapshot: counts added up, and the time of the
 * oldest schema's last report (none yet, if any schema has none), so that an alert on a stale report
 * fires while any instance's reconcile is behind.
 */
async function readDriftOfEverySchema(database: ClerkDatabase, env: WorkerEnv): Promise<DriftSnapshot> {
  const reports = await Promise.all(
    workerSchemas(env).map((schema) => readDriftReport(database.inSchema(schema))),
  );
  const sums = new Map<string, { entity: string; kind: string; rows: number }>();
  for (const { entity, kind, rows } of reports.flatMap((r) => r.counts)) {
    const key = `${entity}\u0000${kind}`;
    const sum = sums.get(key) ?? { entity, kind, rows: 0 };
    sum.rows += rows;
    sums.set(key, sum);
  }
  const times = reports.map((r) => r.reportedAt?.getTime());
  const oldest = times.includes(undefined) ? undefined : Math.min(...(times as number[]));
  return { counts: [...sums.values()], reportedAt: oldest === undefined ? undefined : new Date(oldest) };
}

/**
 * Applies a batch schema by schema (instances may write to their own), one transaction each, and
 * returns the results in the batch's order.
 */
function applyBySchema(database: ClerkDatabase, env: WorkerEnv) {
  return async (events: RoutedEvent[]): Promise<ApplyResult[]> => {
    const bySchema = Map.groupBy(events.keys(), (i) => events[i]?.schema ?? env.db.schema);
    const results: ApplyResult[] = [];
    for (const [schema, indexes] of bySchema) {
      const group = indexes.flatMap((i) => events[i] ?? []);
      const applied = await applyEvents(database.inSchema(schema), group, { privacy: env.privacy });
      indexes.forEach((index, k) => {
        const result = applied[k];
        if (result) results[index] = result;
      });
    }
    return results;
  };
}

/**
 * Redis, queues, the Batcher, the Worker and the dead-letter sweep, each registered with the closer as
 * it opens, so that closing runs: sweep, Worker (stop fetching, let active jobs end), Batcher (commit
 * what it holds), scrubber, queues, Redis, database.
 */
async function startConsumer(parts: ConsumerParts): Promise<WorkerService> {
  const { env, logger, hooks, database, shutdown } = parts;
  const connection = await connectWorkerRedis(redisTarget(env), logger);
  shutdown.add('redis', () => connection.disconnect());
  const queues = openQueues(env.QUEUE_NAME, connection);
  shutdown.add('queues', () => queues.close());
  const { deadLetters } = queues;
  const scrubber = env.SCRUB_COMPLETED_JOBS ? new JobScrubber(redisTarget(env), queues.queue) : undefined;
  if (scrubber) shutdown.add('job scrubber', () => scrubber.close());
  const metrics = createWorkerMetrics({ readDrift: () => readDriftOfEverySchema(database, env) });
  const purger = startErasurePurge(parts, queues, connection);
  const batcher = new Batcher<RoutedEvent>({
    max: env.BATCH_MAX,
    waitMs: env.BATCH_WAIT_MS,
    apply: applyBySchema(database, env),
    onBatch: (report) => {
      logBatch(logger, report);
      metrics.onBatch(report);
      purger.onBatch(report);
      hooks.onBatch?.(report);
    },
  });
  shutdown.add('batcher', () => batcher.drain());
  const processor = createJobProcessor({
    queueName: env.QUEUE_NAME,
    batcher,
    route: createInstanceRouter(env.instances),
    scrubber,
    logger,
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
  });
  const worker = createWorker(env, connection, processor);
  shutdown.add('worker', () => worker.close());
  listenToWorker(worker, { deadLetters, metrics, logger });
  const stopSweep = await startDeadLetterSweep({
    deadLetters,
    metrics,
    logger,
    intervalMs: env.DEAD_LETTER_SWEEP_MS,
    ttlMs: env.DEAD_LETTER_TTL_MS,
  });
  shutdown.add('dead-letter sweep', stopSweep);
  const stopPruning = startRetentionSweep({
    lease: () => takeLease(connection, `${env.QUEUE_NAME}:lease:retention`, env.retention.sweepMs * 0.8),
    dbs: workerSchemas(env).map((schema) => database.inSchema(schema)),
    policy: env.retention,
    intervalMs: env.retention.sweepMs,
    metrics,
    logger,
  });
  shutdown.add('retention sweep', stopPruning);
  worker.run().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'worker stopped'));
  logStarted(env, logger);
  const listenMetrics = () => listenForScrapes(env, metrics, shutdown);
  return { worker, metrics, listenMetrics, deadLetters, database, close: shutdown.close };
}

/** The shared `/metrics` listener; opened last, so it is the first thing closed. */
async function listenForScrapes(env: WorkerEnv, metrics: WorkerMetrics, shutdown: Shutdown): Promise<number> {
  const server = await serveMetrics(metrics.registry, {
    port: env.WORKER_METRICS_PORT,
    hostname: env.WORKER_METRICS_HOST,
  });
  shutdown.add('metrics listener', () => server.close());
  return server.port;
}

/**
 * Purges erased users from Redis after each batch and, every `RETENTION_SWEEP_MS`, again for everyone
 * erased within the dead letters' TTL (one replica per round, by lease). Registered before the
 * batcher, so it drains after the batcher's last commit and before the queues close.
 */
function startErasurePurge(
  parts: ConsumerParts,
  queues: EventQueues,
  connection: RedisConnection,
): ErasurePurger {
  const { env, logger, database, shutdown } = parts;
  const purger = erasurePurger(queues, logger);
  shutdown.add('erasure purge', () => purger.drain());
  const erasedSince = () => new Date(Date.now() - env.DEAD_LETTER_TTL_MS);
  const lease = () =>
    takeLease(connection, `${env.QUEUE_NAME}:lease:erasure-repurge`, env.retention.sweepMs * 0.8);
  const recent = async () => {
    if (!(await lease())) return [];
    const bySchema = workerSchemas(env).map((schema) =>
      readRecentErasures(database.inSchema(schema), erasedSince()),
    );
    return (await Promise.all(bySchema)).flat();
  };
  const stop = purger.sweep(recent, env.retention.sweepMs);
  shutdown.add('erasure re-purge', stop);
  return purger;
}

/**
 * Errors are logged; failed jobs go through the failure policy; a job that this worker's stalled check
 * found without a lock (its worker died, or was blocked past `WORKER_LOCK_MS`) is counted and logged
 * by its svix-id, as it is about to run again.
 */
function listenToWorker(
  worker: Worker,
  deps: { deadLetters: DeadLetters; metrics: WorkerMetrics; logger: Logger },
): void {
  const { metrics, logger } = deps;
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  worker.on('failed', failurePolicy(deps));
  worker.on('stalled', (jobId) => {
    metrics.onStalled();
    logger.warn({ jobId }, 'job stalled: its lock expired, running it again');
  });
}

/** The BullMQ Worker, not yet running: the caller attaches its listeners first. */
function createWorker(env: WorkerEnv, connection: RedisConnection, processor: Processor): Worker {
  return new Worker(env.QUEUE_NAME, processor, {
    connection,
    concurrency: env.WORKER_CONCURRENCY,
    maxStalledCount: env.WORKER_MAX_STALLED,
    lockDuration: env.WORKER_LOCK_MS,
    stalledInterval: env.WORKER_STALLED_INTERVAL_MS,
    autorun: false,
  });
}

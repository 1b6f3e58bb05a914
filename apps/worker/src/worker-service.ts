import { type ApplyOutcome, applyEvents, type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { InvalidEventError, prepareEvent } from '@clerk-sync/events';
import {
  type DeadLetters,
  isScrubbed,
  JobScrubber,
  openQueues,
  parseJobPayload,
  redactFailureReason,
  UnrecoverableError,
} from '@clerk-sync/queue';
import {
  attributes,
  extractTrace,
  MESSAGING_SYSTEM,
  type MetricsServer,
  serveMetrics,
  spanNames,
  traced,
} from '@clerk-sync/telemetry';
import { type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Batcher, type BatchReport } from './batcher.js';
import type { WorkerEnv } from './env.js';
import { erasurePurger } from './erasure-purger.js';
import type { Logger } from './logger.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import { prepareSchema } from './prepare-schema.js';

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
  /** Stops fetching, finishes the current batch, closes queues, Redis and the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the consumer: migrates the schema (under an advisory lock) or, with `MIGRATE_ON_START=false`,
 * checks that it has every migration; then applies jobs in batches. Throws if the schema cannot be
 * migrated or is behind, so the process exits non-zero instead of running on a broken schema.
 */
export async function startWorker(
  env: WorkerEnv,
  logger: Logger,
  hooks: WorkerHooks = {},
): Promise<WorkerService> {
  const database = await openDatabase(env.db);
  try {
    const applied = await prepareSchema(database, env);
    logger.info(
      {
        schema: env.db.schema,
        backend: database.kind,
        migrations: applied,
        migrateOnStart: env.MIGRATE_ON_START,
      },
      'database ready',
    );
  } catch (error) {
    await database.close();
    throw error;
  }

  const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await warnUnlessNoEviction(connection, logger);

  const queues = openQueues(env.QUEUE_NAME, connection);
  const { deadLetters } = queues;
  const metrics = createWorkerMetrics();
  const purger = erasurePurger(queues, logger);
  const batcher = new Batcher({
    max: env.BATCH_MAX,
    waitMs: env.BATCH_WAIT_MS,
    apply: (events) => applyEvents(database.db, events, { privacy: env.privacy }),
    onBatch: (report) => {
      const line = {
        size: report.size,
        ms: Math.round(report.seconds * 1000),
        isolated: report.isolated,
        ...count(report),
        ...(report.failed > 0
          ? { failed: report.failed, reason: redactFailureReason(report.error ?? '') }
          : {}),
      };
      // A batch none of whose events committed is not "applied": say so, so alerts on logs see it.
      if (report.results.length === 0 && report.failed > 0) logger.error(line, 'batch failed');
      else if (report.failed > 0) logger.warn(line, 'batch applied with failures');
      else logger.info(line, 'batch applied');
      metrics.onBatch(report);
      purger.onBatch(report);
      hooks.onBatch?.(report);
    },
  });

  const scrubber = env.SCRUB_COMPLETED_JOBS ? new JobScrubber(env.REDIS_URL, queues.queue) : undefined;

  const tracer = trace.getTracer('clerk-sync-worker');
  const process = (job: Job): Promise<ApplyOutcome> => {
    const data = job.data as {
      trace?: Record<string, string>;
      event?: { type?: unknown; data?: { id?: unknown } };
    };
    const eventType = typeof data?.event?.type === 'string' ? data.event.type : job.name;
    const entityId = typeof data?.event?.data?.id === 'string' ? data.event.data.id : '';
    return traced(
      tracer,
      spanNames.process(env.QUEUE_NAME),
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [attributes.messagingSystem]: MESSAGING_SYSTEM,
          [attributes.destination]: env.QUEUE_NAME,
          [attributes.operationType]: 'process',
          [attributes.messageId]: job.id ?? '',
          [attributes.eventType]: eventType,
          [attributes.entityId]: entityId,
          'messaging.bullmq.attempt': job.attemptsMade + 1,
        },
      },
      async (span) => {
        const outcome = await processJob(job, span.spanContext());
        span.setAttribute(attributes.outcome, outcome);
        return outcome;
      },
      extractTrace(typeof data?.trace === 'object' ? data.trace : undefined),
    );
  };

  const processJob = async (job: Job, span: SpanContext): Promise<ApplyOutcome> => {
    // Scrubbed only after its event committed: a stalled job picked up again has nothing left to do.
    if (isScrubbed(job.data)) return 'duplicate';
    let payload: ReturnType<typeof parseJobPayload>;
    let event: ReturnType<typeof prepareEvent>;
    try {
      payload = parseJobPayload(job.data);
      event = prepareEvent(payload, { now: Date.now(), maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS });
    } catch (error) {
      if (error instanceof InvalidEventError) throw new UnrecoverableError(error.message);
      throw error;
    }
    const outcome = await batcher.submit(event, span);
    await scrubber?.scrub(job, payload);
    logger.debug(
      { svixId: event.svixId, eventType: event.type, entityId: event.entityId, outcome },
      'event done',
    );
    return outcome;
  };

  const worker = new Worker(env.QUEUE_NAME, process, {
    connection,
    concurrency: env.WORKER_CONCURRENCY,
    maxStalledCount: env.WORKER_MAX_STALLED,
    lockDuration: env.WORKER_LOCK_MS,
    stalledInterval: env.WORKER_STALLED_INTERVAL_MS,
    autorun: false,
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    const line = {
      svixId: job.id,
      eventType: job.name,
      attemptsMade: job.attemptsMade,
      reason: redactFailureReason(err.message),
    };
    if (!final) {
      metrics.onRetry();
      logger.warn(line, 'event failed, will retry');
      if (job.attemptsMade === 1) {
        job.updateData({ ...job.data, firstFailedAt: Date.now() }).catch(() => {});
      }
      return;
    }
    logger.error(line, 'event failed for good, moving to dead letters');
    deadLetters.bury(job).then(
      () => metrics.onDeadLetter(),
      (e: unknown) =>
        logger.error(
          { svixId: job.id, err: (e as Error).message },
          'dead-letter move failed; the sweep retries',
        ),
    );
  });

  const sweep = async () => {
    const moved = await deadLetters.sweep();
    if (moved > 0) logger.warn({ moved }, 'moved failed jobs to dead letters');
    const expired = await deadLetters.expire(env.DEAD_LETTER_TTL_MS);
    if (expired > 0) logger.warn({ expired, ttlMs: env.DEAD_LETTER_TTL_MS }, 'deleted expired dead letters');
    metrics.onDeadLetterSweep(await deadLetters.held(), expired);
  };
  await sweep();
  const sweeper = setInterval(() => {
    sweep().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'dead-letter sweep failed'));
  }, env.DEAD_LETTER_SWEEP_MS);
  sweeper.unref();

  worker.run().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'worker stopped'));
  logger.info(
    { queue: env.QUEUE_NAME, concurrency: env.WORKER_CONCURRENCY, batchMax: env.BATCH_MAX },
    'worker started',
  );

  let metricsServer: MetricsServer | undefined;
  const listenMetrics = async () => {
    metricsServer = await serveMetrics(metrics.registry, {
      port: env.WORKER_METRICS_PORT,
      hostname: env.WORKER_METRICS_HOST,
    });
    return metricsServer.port;
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      await metricsServer?.close();
      await worker.close();
      await batcher.drain();
      await purger.drain();
      await queues.close();
      scrubber?.close();
      connection.disconnect();
      await database.close();
    })();
    return closing;
  };
  return { worker, metrics, listenMetrics, deadLetters, database, close };
}

function count(report: BatchReport): Partial<Record<ApplyOutcome, number>> {
  const counts: Partial<Record<ApplyOutcome, number>> = {};
  for (const { outcome } of report.results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/** Evicted job keys are lost events, so a Redis that may evict deserves a loud warning at start. */
async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: Redis may evict queued events under memory pressure',
      );
    }
  } catch {
    logger.info('could not read Redis maxmemory-policy (CONFIG may be disabled); make sure it is noeviction');
  }
}

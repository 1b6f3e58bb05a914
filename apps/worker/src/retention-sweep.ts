import {
  mayPruneAuditLog,
  noRowsPruned,
  type PrunedCounts,
  pruneExpired,
  type RetentionPolicy,
  retentionTables,
} from '@clerk-sync/db';
import type { Logger } from './logger.js';
import type { WorkerMetrics } from './metrics.js';

export interface RetentionSweepOptions {
  /** One per schema the worker writes (`DB_SCHEMA` and the instances' own). */
  dbs: ReadonlyArray<Parameters<typeof pruneExpired>[0]>;
  policy: RetentionPolicy;
  /** `RETENTION_SWEEP_MS`: time between sweeps; the first runs one interval after the start. */
  intervalMs: number;
  metrics: Pick<WorkerMetrics, 'onPruned'>;
  logger: Logger;
  /**
   * Whether this replica sweeps this round (see `takeLease`): with several workers, one of them does.
   * Left out, it always does.
   */
  lease?: () => Promise<boolean>;
}

/**
 * Prunes what the retention settings allow, every `intervalMs`, in small batches. One sweep at a time;
 * a failed sweep is logged and the next one tries again. The audit log needs the owner role: a worker
 * running as the writer says so once and leaves it to `clerk-sync prune`. Returns the function that
 * stops the timer (it waits for a sweep in progress); the timer never keeps the process alive.
 */
export function startRetentionSweep(options: RetentionSweepOptions): () => Promise<void> {
  const { dbs, policy, metrics, logger } = options;
  let running: Promise<void> | undefined;
  let auditChecked = false;
  const sweep = async () => {
    if (options.lease && !(await options.lease())) return;
    for (const db of dbs) await sweepOne(db);
  };
  const sweepOne = async (db: Parameters<typeof pruneExpired>[0]) => {
    if (!auditChecked && policy.auditLogDays !== undefined) {
      auditChecked = true;
      if (!(await mayPruneAuditLog(db)))
        logger.info('audit log retention needs the owner role: run `clerk-sync prune` as the owner');
    }
    const counts = await pruneExpired(db, policy, { onBatch: reportBatch(metrics) });
    const pruned = Object.fromEntries(
      Object.entries(counts)
        .filter(([, rows]) => rows > 0)
        .map(([key, rows]) => [retentionTables[key as keyof PrunedCounts], rows]),
    );
    if (Object.keys(pruned).length > 0) logger.info({ pruned }, 'retention sweep pruned rows');
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((e: unknown) => logger.error({ err: (e as Error).message }, 'retention sweep failed'))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Counts each batch as it lands, so the metric moves during a long first sweep too. */
function reportBatch(metrics: Pick<WorkerMetrics, 'onPruned'>): (counts: PrunedCounts) => void {
  let previous = noRowsPruned();
  return (counts) => {
    for (const key of Object.keys(retentionTables) as (keyof PrunedCounts)[]) {
      const delta = counts[key] - previous[key];
      if (delta > 0) metrics.onPruned(retentionTables[key], delta);
    }
    previous = counts;
  };
}

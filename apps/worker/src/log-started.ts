import type { WorkerEnv } from './env.js';
import type { Logger } from './logger.js';

/**
 * The start line, and a warning when the jobs taken at once fill more batches than the pool has
 * connections: the batches beyond it would wait for one (up to `DB_CONNECT_TIMEOUT_MS`), then retry.
 */
export function logStarted(
  env: Pick<WorkerEnv, 'QUEUE_NAME' | 'WORKER_CONCURRENCY' | 'BATCH_MAX' | 'db'>,
  logger: Pick<Logger, 'info' | 'warn'>,
): void {
  const { WORKER_CONCURRENCY: concurrency, BATCH_MAX: batchMax } = env;
  logger.info({ queue: env.QUEUE_NAME, concurrency, batchMax }, 'worker started');
  const batches = Math.ceil(concurrency / batchMax);
  if (batches > env.db.poolSize) {
    logger.warn(
      { concurrency, batchMax, batches, poolSize: env.db.poolSize },
      'WORKER_CONCURRENCY / BATCH_MAX allows more batches at once than DB_POOL_SIZE has connections: raise DB_POOL_SIZE or BATCH_MAX, or lower WORKER_CONCURRENCY',
    );
  }
}

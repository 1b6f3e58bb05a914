import { ConfigError } from '@clerk-sync/config';
import { startTracing } from '@clerk-sync/telemetry';
import { readWorkerEnv, type WorkerEnv } from './env.js';
import { createLogger } from './logger.js';
import { startWorker } from './worker-service.js';

/** `pnpm start:worker`. Exits 1 when the configuration is invalid or the schema cannot be migrated (or, with MIGRATE_ON_START=false, is behind). */
async function main(): Promise<void> {
  let env: WorkerEnv;
  try {
    env = readWorkerEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const tracing = await startTracing({ serviceName: 'clerk-sync-worker', env: process.env });
  const logger = createLogger(env.LOG_LEVEL);
  const service = await startWorker(env, logger);
  const metricsPort = await service.listenMetrics().catch(async (error: unknown) => {
    // A metrics port that cannot be bound fails the start; close the consumer first.
    await service.close().catch(() => {});
    throw error;
  });
  logger.info(
    { metricsPort, metricsHost: env.WORKER_METRICS_HOST, tracing: tracing.enabled },
    'metrics listening',
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing the current batch');
    const force = setTimeout(() => {
      logger.error(
        { timeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS },
        'shutdown timed out; unfinished jobs will be retried',
      );
      process.exit(1);
    }, env.WORKER_SHUTDOWN_TIMEOUT_MS);
    force.unref();
    service
      .close()
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: (error as Error).message }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(`worker failed to start: ${(error as Error).message}`);
  process.exit(1);
});

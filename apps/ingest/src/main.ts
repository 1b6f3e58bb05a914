import { ConfigError } from '@clerk-sync/config';
import { startTracing } from '@clerk-sync/telemetry';
import { type IngestEnv, readIngestEnv } from './env.js';
import { createIngestService } from './ingest-service.js';
import { createLogger } from './logger.js';

/** `pnpm start:ingest`. Exits 1 with a readable message when the configuration is invalid. */
async function main(): Promise<void> {
  let env: IngestEnv;
  try {
    env = readIngestEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const tracing = await startTracing({ serviceName: 'clerk-sync-ingest', env: process.env });
  const logger = createLogger(env.LOG_LEVEL);
  const service = createIngestService(env, logger);
  const { port, metricsPort, adminPort } = await service.listen().catch(async (error: unknown) => {
    // A listener that cannot bind fails the start; close what did open first.
    await service.close().catch(() => {});
    throw error;
  });
  logger.info(
    {
      port,
      metricsPort,
      adminPort,
      adminHost: adminPort === undefined ? undefined : env.ADMIN_HOST,
      queue: env.QUEUE_NAME,
      // Names and how many secrets each holds (more than one while rotating), never the secrets.
      instances: Object.fromEntries(env.instances.map((i) => [i.name, i.secrets.length])),
      tracing: tracing.enabled,
    },
    'ingest listening',
  );
  if (adminPort === undefined) {
    logger.info('admin listener off: set ADMIN_PASSWORD (16+ random characters) to serve Bull Board');
  }

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    service
      .close()
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(`ingest failed to start: ${(error as Error).message}`);
  process.exit(1);
});

import { readIngestEnv } from './env.js';
import { createIngestService } from './ingest-service.js';
import { createLogger } from './logger.js';

/** `pnpm start:ingest`. Exits 1 with a readable message when the configuration is invalid. */
async function main(): Promise<void> {
  let env: ReturnType<typeof readIngestEnv>;
  try {
    env = readIngestEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const logger = createLogger(env.LOG_LEVEL);
  const service = createIngestService(env, logger);
  const port = await service.listen();
  logger.info(
    { port, queue: env.QUEUE_NAME, secretCount: env.CLERK_WEBHOOK_SIGNING_SECRET.length },
    'ingest listening',
  );

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    service.close().then(
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

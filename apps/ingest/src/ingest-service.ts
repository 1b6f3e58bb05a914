import { type ServerType, serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createIngestApp, type IngestDeps } from './app.js';
import { Enqueuer, withTimeout } from './enqueuer.js';
import type { IngestEnv } from './env.js';
import type { Logger } from './logger.js';
import { createVerifier } from './signing-secrets.js';

export interface IngestService {
  app: ReturnType<typeof createIngestApp>;
  queue: Queue;
  enqueuer: Enqueuer;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting, lets in-flight requests finish, then closes the queue and Redis. Idempotent. */
  close(): Promise<void>;
}

/**
 * A Redis connection for producing: it fails fast instead of buffering commands while Redis is away,
 * so a request can be answered 503 within the enqueue timeout rather than hang near Svix's 15 s limit.
 */
export function createProducerRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface as 503s and a failing /readyz; they must not crash the process.
  redis.on('error', () => {});
  return redis;
}

export function createIngestService(
  env: IngestEnv,
  logger: Logger,
  hooks: Pick<IngestDeps, 'onOutcome'> = {},
): IngestService {
  const redis = createProducerRedis(env.REDIS_URL);
  const queue = new Queue(env.QUEUE_NAME, { connection: redis });
  queue.on('error', () => {});
  const enqueuer = new Enqueuer(queue, redis, {
    attempts: env.JOB_ATTEMPTS,
    backoffMs: env.JOB_BACKOFF_MS,
    jitter: env.JOB_BACKOFF_JITTER,
    dedupeWindowSeconds: env.DEDUPE_WINDOW_SECONDS,
    dedupeMaxJobs: env.DEDUPE_MAX_JOBS,
    batchMax: env.ENQUEUE_BATCH_MAX,
    maxInFlight: env.ENQUEUE_MAX_IN_FLIGHT,
    timeoutMs: env.ENQUEUE_TIMEOUT_MS,
  });
  const app = createIngestApp({
    verify: createVerifier(env.CLERK_WEBHOOK_SIGNING_SECRET),
    enqueue: (payload) => enqueuer.enqueue(payload),
    isReady: () => ping(redis, 1000),
    logger,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    ...hooks,
  });

  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;

  const listen = () =>
    new Promise<number>((resolve, reject) => {
      server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => resolve(info.port));
      server.once('error', reject);
    });

  const close = () => {
    closing ??= (async () => {
      if (server) {
        const stopped = new Promise<void>((resolve) => server?.close(() => resolve()));
        const force = setTimeout(() => {
          if (server && 'closeAllConnections' in server) server.closeAllConnections();
        }, env.SHUTDOWN_TIMEOUT_MS);
        await stopped;
        clearTimeout(force);
      }
      await enqueuer.drain();
      // Closing a queue whose Redis never answered would wait for it; bound it.
      await withTimeout(queue.close(), 2000).catch(() => {});
      redis.disconnect();
    })();
    return closing;
  };

  return { app, queue, enqueuer, listen, close };
}

async function ping(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      redis.ping().then((r) => r === 'PONG'),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

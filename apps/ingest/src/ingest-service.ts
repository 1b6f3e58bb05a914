import { DeadLetters } from '@clerk-sync/events/dead-letters';
import { type ServerType, serve } from '@hono/node-server';
import type { Queue } from 'bullmq';
import type { Hono } from 'hono';
import { Redis } from 'ioredis';
import { adminCredentials, createAdminApp } from './admin/admin-app.js';
import { createIngestApp } from './app.js';
import { Enqueuer, withTimeout } from './enqueuer.js';
import type { IngestEnv } from './env.js';
import type { Logger } from './logger.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { createVerifier } from './signing-secrets.js';

export interface IngestService {
  app: ReturnType<typeof createIngestApp>;
  /** Bull Board, `/metrics` and the dead-letter API, on its own listener. */
  adminApp: Hono;
  queue: Queue;
  deadLetters: DeadLetters;
  enqueuer: Enqueuer;
  metrics: IngestMetrics;
  /** Starts the webhook and admin listeners; resolves with the bound ports. */
  listen(): Promise<{ port: number; adminPort: number }>;
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
    // Commands issued in the same tick by concurrent requests leave in one socket write.
    enableAutoPipelining: true,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface as 503s and a failing /readyz; they must not crash the process.
  redis.on('error', () => {});
  return redis;
}

/**
 * The ingest: webhook app, admin app, queue and metrics. Throws if the admin listener would be
 * reachable beyond this machine without credentials.
 */
export function createIngestService(env: IngestEnv, logger: Logger): IngestService {
  const credentials = adminCredentials({
    host: env.ADMIN_HOST,
    username: env.ADMIN_USERNAME,
    password: env.ADMIN_PASSWORD,
  });
  const redis = createProducerRedis(env.REDIS_URL);
  const deadLetters = new DeadLetters(env.QUEUE_NAME, redis);
  const queue = deadLetters.queue;
  queue.on('error', () => {});
  deadLetters.dead.on('error', () => {});
  const metrics = createIngestMetrics(deadLetters);
  const enqueuer = new Enqueuer(queue, redis, {
    attempts: env.JOB_ATTEMPTS,
    backoffMs: env.JOB_BACKOFF_MS,
    jitter: env.JOB_BACKOFF_JITTER,
    dedupeWindowSeconds: env.DEDUPE_WINDOW_SECONDS,
    dedupeMaxJobs: env.DEDUPE_MAX_JOBS,
    timeoutMs: env.ENQUEUE_TIMEOUT_MS,
  });
  const app = createIngestApp({
    verify: createVerifier(env.CLERK_WEBHOOK_SIGNING_SECRET),
    enqueue: (payload) => enqueuer.enqueue(payload),
    isReady: () => ping(redis, 1000),
    logger,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    queueName: env.QUEUE_NAME,
    onOutcome: metrics.onOutcome,
  });
  const adminApp = createAdminApp({ deadLetters, registry: metrics.registry, credentials });

  let server: ServerType | undefined;
  let adminServer: ServerType | undefined;
  let closing: Promise<void> | undefined;

  const start = (fetch: Hono['fetch'], port: number, hostname: string, keep: (s: ServerType) => void) =>
    new Promise<number>((resolve, reject) => {
      const s = serve({ fetch, port, hostname }, (info) => resolve(info.port));
      s.once('error', reject);
      keep(s);
    });
  const listen = async () => ({
    port: await start(app.fetch, env.PORT, env.HOST, (s) => {
      server = s;
    }),
    adminPort: await start(adminApp.fetch, env.ADMIN_PORT, env.ADMIN_HOST, (s) => {
      adminServer = s;
    }),
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
      if (adminServer && 'closeAllConnections' in adminServer) adminServer.closeAllConnections();
      await new Promise<void>((resolve) => (adminServer ? adminServer.close(() => resolve()) : resolve()));
      await enqueuer.drain();
      // Closing a queue whose Redis never answered would wait for it; bound it.
      await withTimeout(deadLetters.close(), 2000).catch(() => {});
      redis.disconnect();
    })();
    return closing;
  };

  return { app, adminApp, queue, deadLetters, enqueuer, metrics, listen, close };
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

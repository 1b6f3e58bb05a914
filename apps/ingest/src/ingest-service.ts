import type { ServerOptions } from 'node:http';
import {
  connectRedis,
  type DeadLetters,
  Enqueuer,
  type EventQueues,
  openQueues,
  type Queue,
  type RedisConnection,
  redisTarget,
  withTimeout,
} from '@clerk-sync/queue';
import { createShutdown, type Shutdown, serveMetrics } from '@clerk-sync/telemetry';
import type { Hono } from 'hono';
import { adminCredentials, createAdminApp } from './admin/admin-app.js';
import { createIngestApp } from './app.js';
import type { IngestEnv } from './env.js';
import { type HttpLimits, httpServerOptions } from './http-limits.js';
import type { Logger } from './logger.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { serveApp } from './serve-app.js';
import { createVerifier } from './webhook-verifier.js';

export interface IngestService {
  app: ReturnType<typeof createIngestApp>;
  /** Bull Board and the dead-letter API, on its own listener; `undefined` without `ADMIN_PASSWORD`. */
  adminApp: Hono | undefined;
  queue: Queue;
  deadLetters: DeadLetters;
  enqueuer: Enqueuer;
  metrics: IngestMetrics;
  /** Starts the webhook, metrics and (if on) admin listeners; resolves with the bound ports. */
  listen(): Promise<{ port: number; metricsPort: number; adminPort: number | undefined }>;
  /** Stops accepting, lets in-flight requests finish, then closes the queue and Redis. Idempotent. */
  close(): Promise<void>;
}

/**
 * The ingest: webhook app, metrics listener, admin app (only with `ADMIN_PASSWORD`), queue and metrics.
 * Configuration is checked before anything opens; each resource then registers its close step with
 * one closer, so `close()` runs: webhook listener (in-flight requests finish, up to
 * `SHUTDOWN_TIMEOUT_MS`), admin and metrics listeners, pending enqueues, queues, Redis.
 */
export function createIngestService(env: IngestEnv, logger: Logger): IngestService {
  const credentials = adminCredentials({ username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD });
  const limits = httpLimits(env);
  const serverOptions = httpServerOptions(limits);
  const verifier = createVerifier(env.instances);
  const shutdown = createShutdown(logger);
  const { redis, queues, enqueuer } = openProducer(env, shutdown);
  const { queue, deadLetters } = queues;
  const metrics = createIngestMetrics(queue, deadLetters);
  const app = createIngestApp({
    verifier,
    enqueue: (payload) => enqueuer.enqueue(payload),
    isReady: () => ping(redis, 1000),
    logger,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    queueName: env.QUEUE_NAME,
    onOutcome: metrics.onOutcome,
  });
  const adminApp = credentials
    ? createAdminApp({ queue, deadLetters, credentials, allowedHosts: adminAllowedHosts(env) })
    : undefined;
  const listen = () => listenAll({ env, limits, serverOptions, app, adminApp, metrics, shutdown });
  return { app, adminApp, queue, deadLetters, enqueuer, metrics, listen, close: shutdown.close };
}

function httpLimits(env: IngestEnv): HttpLimits {
  return {
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEPALIVE_TIMEOUT_MS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  };
}

/** Redis, the queues and the Enqueuer, each registered with the closer as it opens. */
function openProducer(
  env: IngestEnv,
  shutdown: Shutdown,
): { redis: RedisConnection; queues: EventQueues; enqueuer: Enqueuer } {
  const redis = connectRedis({ ...redisTarget(env), role: 'producer' });
  shutdown.add('redis', () => redis.disconnect());
  const queues = openQueues(env.QUEUE_NAME, redis);
  // Closing a queue whose Redis never answered would wait for it; bound it.
  shutdown.add('queues', () => withTimeout(queues.close(), 2000).catch(() => {}));
  queues.queue.on('error', () => {});
  queues.deadLetters.dead.on('error', () => {});
  const enqueuer = new Enqueuer(queues.queue, redis, {
    attempts: env.JOB_ATTEMPTS,
    backoffMs: env.JOB_BACKOFF_MS,
    jitter: env.JOB_BACKOFF_JITTER,
    dedupeWindowSeconds: env.DEDUPE_WINDOW_SECONDS,
    dedupeMaxJobs: env.DEDUPE_MAX_JOBS,
    timeoutMs: env.ENQUEUE_TIMEOUT_MS,
  });
  shutdown.add('enqueuer', () => enqueuer.drain());
  return { redis, queues, enqueuer };
}

interface Listeners {
  env: IngestEnv;
  limits: HttpLimits;
  serverOptions: ServerOptions;
  app: { fetch: Hono['fetch'] };
  adminApp: { fetch: Hono['fetch'] } | undefined;
  metrics: IngestMetrics;
  shutdown: Shutdown;
}

/**
 * Opens the metrics, admin and webhook listeners in that order, so that closing, newest first, stops
 * taking webhooks before anything else and the public edge only opens once everything behind it is up.
 */
async function listenAll(parts: Listeners): ReturnType<IngestService['listen']> {
  const { env, limits, serverOptions, shutdown } = parts;
  const metricsServer = await serveMetrics(parts.metrics.registry, {
    port: env.METRICS_PORT,
    hostname: env.METRICS_HOST,
  });
  shutdown.add('metrics listener', () => metricsServer.close());
  // The operator's browser makes a handful of connections; the same timeouts and cap keep a hostile
  // client on the network from holding them open.
  const admin = parts.adminApp
    ? await serveApp(parts.adminApp.fetch, {
        port: env.ADMIN_PORT,
        hostname: env.ADMIN_HOST,
        limits,
        serverOptions,
      })
    : undefined;
  if (admin) shutdown.add('admin listener', () => admin.close(0));
  const webhooks = await serveApp(parts.app.fetch, {
    port: env.PORT,
    hostname: env.HOST,
    limits,
    serverOptions,
  });
  shutdown.add('webhook listener', () => webhooks.close(env.SHUTDOWN_TIMEOUT_MS));
  return { port: webhooks.port, metricsPort: metricsServer.port, adminPort: admin?.port };
}

/**
 * `Host` names the admin listener answers to besides loopback: `ADMIN_ALLOWED_HOSTS`, plus
 * `ADMIN_HOST` itself when it names one address (a browser pointed at that IP sends it as `Host`).
 */
function adminAllowedHosts(env: IngestEnv): string[] {
  const wildcard = env.ADMIN_HOST === '0.0.0.0' || env.ADMIN_HOST === '::';
  const own = wildcard ? [] : [env.ADMIN_HOST.includes(':') ? `[${env.ADMIN_HOST}]` : env.ADMIN_HOST];
  return [...env.ADMIN_ALLOWED_HOSTS, ...own.map((h) => h.toLowerCase())];
}

async function ping(redis: { ping(): Promise<string> }, timeoutMs: number): Promise<boolean> {
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

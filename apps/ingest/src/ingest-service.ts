import type { ServerOptions } from 'node:http';
import { createProducerRedis, type DeadLetters, Enqueuer, openQueues, withTimeout } from '@clerk-sync/queue';
import { type MetricsServer, serveMetrics } from '@clerk-sync/telemetry';
import { type ServerType, serve } from '@hono/node-server';
import type { Queue } from 'bullmq';
import type { Hono } from 'hono';
import { adminCredentials, createAdminApp } from './admin/admin-app.js';
import { createIngestApp } from './app.js';
import type { IngestEnv } from './env.js';
import { capConnections, type HttpLimits, httpServerOptions } from './http-limits.js';
import type { Logger } from './logger.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
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
 */
export function createIngestService(env: IngestEnv, logger: Logger): IngestService {
  const credentials = adminCredentials({ username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD });
  const limits: HttpLimits = {
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEPALIVE_TIMEOUT_MS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  };
  const serverOptions = httpServerOptions(limits);
  const redis = createProducerRedis(env.REDIS_URL);
  const queues = openQueues(env.QUEUE_NAME, redis);
  const { queue, deadLetters } = queues;
  queue.on('error', () => {});
  deadLetters.dead.on('error', () => {});
  const metrics = createIngestMetrics(queue, deadLetters);
  const enqueuer = new Enqueuer(queue, redis, {
    attempts: env.JOB_ATTEMPTS,
    backoffMs: env.JOB_BACKOFF_MS,
    jitter: env.JOB_BACKOFF_JITTER,
    dedupeWindowSeconds: env.DEDUPE_WINDOW_SECONDS,
    dedupeMaxJobs: env.DEDUPE_MAX_JOBS,
    timeoutMs: env.ENQUEUE_TIMEOUT_MS,
  });
  const app = createIngestApp({
    verifier: createVerifier(env.CLERK_WEBHOOK_SIGNING_SECRET),
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

  let server: ServerType | undefined;
  let adminServer: ServerType | undefined;
  let metricsServer: MetricsServer | undefined;
  let closing: Promise<void> | undefined;

  const start = (
    fetch: Hono['fetch'],
    port: number,
    hostname: string,
    keep: (s: ServerType) => void,
    serverOptions?: ServerOptions,
  ) =>
    new Promise<number>((resolve, reject) => {
      const s = serve({ fetch, port, hostname, serverOptions }, (info) => resolve(info.port));
      s.once('error', reject);
      keep(s);
    });
  const startMetrics = async () => {
    metricsServer = await serveMetrics(metrics.registry, {
      port: env.METRICS_PORT,
      hostname: env.METRICS_HOST,
    });
    return metricsServer.port;
  };
  const listen = async () => ({
    port: await start(
      app.fetch,
      env.PORT,
      env.HOST,
      (s) => {
        server = s;
        capConnections(s, limits);
      },
      serverOptions,
    ),
    metricsPort: await startMetrics(),
    adminPort: adminApp
      ? await start(
          adminApp.fetch,
          env.ADMIN_PORT,
          env.ADMIN_HOST,
          (s) => {
            adminServer = s;
            // The operator's browser makes a handful of connections; the same timeouts and cap keep a
            // hostile client on the network from holding them open.
            capConnections(s, limits);
          },
          serverOptions,
        )
      : undefined,
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
      await metricsServer?.close();
      await enqueuer.drain();
      // Closing a queue whose Redis never answered would wait for it; bound it.
      await withTimeout(queues.close(), 2000).catch(() => {});
      redis.disconnect();
    })();
    return closing;
  };

  return { app, adminApp, queue, deadLetters, enqueuer, metrics, listen, close };
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

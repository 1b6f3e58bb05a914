import { randomUUID } from 'node:crypto';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { createIngestService, type IngestService, readIngestEnv } from '@clerk-sync/ingest';
import { svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { pino } from 'pino';
import { readWorkerEnv } from '../src/env.js';
import { startWorker, type WorkerHooks, type WorkerService } from '../src/worker-service.js';

export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const silent = pino({ level: 'silent' });

export interface Harness {
  queueName: string;
  schema: string;
  ingest: IngestService;
  worker: WorkerService;
  /** Signs and posts an event through the ingest app; returns the HTTP status. */
  deliver(event: unknown, svixId?: string): Promise<number>;
  /** Resolves when no job is waiting, active or delayed. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  backend: 'postgres' | 'pglite';
  databaseUrl?: string;
  /** Variables for both apps, e.g. a Redis Cluster's `REDIS_URL`, `REDIS_CLUSTER_NODES` and `QUEUE_NAME`. */
  sharedEnv?: Record<string, string>;
  ingestEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  hooks?: WorkerHooks;
}

/** The ingest app and a worker on a fresh queue and schema, in this process, on real Redis and Postgres. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const queueName = options.sharedEnv?.QUEUE_NAME ?? `test-worker-${randomUUID()}`;
  const schema = uniqueSchema();
  const ingest = createIngestService(
    readIngestEnv({
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      JOB_BACKOFF_MS: '100',
      ...options.sharedEnv,
      ...options.ingestEnv,
    }),
    silent,
  );
  const worker = await startWorker(
    readWorkerEnv({
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      DB_SCHEMA: schema,
      DATABASE_URL: options.backend === 'postgres' ? (options.databaseUrl ?? testDatabaseUrl) : '',
      PGLITE_DIR: 'memory://',
      DEAD_LETTER_SWEEP_MS: '500',
      ...options.sharedEnv,
      ...options.workerEnv,
    }),
    silent,
    options.hooks,
  );

  const deliver = async (event: unknown, svixId = `msg_${randomUUID()}`) => {
    const body = JSON.stringify(event);
    const res = await ingest.app.request('/webhooks/clerk', {
      method: 'POST',
      body,
      headers: svixHeaders(TEST_SIGNING_SECRET, svixId, body),
    });
    return res.status;
  };

  const idle = async (timeoutMs = 20_000) => {
    await waitFor(async () => {
      const counts = await ingest.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    }, timeoutMs);
  };

  const close = async () => {
    await worker.close();
    // Through the ingest's connection, still open: the worker's is closed by now (on a Redis Cluster,
    // a command on a closed client waits instead of failing).
    await ingest.queue.obliterate({ force: true }).catch(() => {});
    await ingest.deadLetters.dead.obliterate({ force: true }).catch(() => {});
    await ingest.close();
    if (options.backend === 'postgres') {
      const { openDatabase } = await import('@clerk-sync/db');
      const db = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 1 });
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db.db);
      await db.close();
    }
  };

  return { queueName, schema, ingest, worker, deliver, idle, close };
}

/** Polls `check` until it holds; fails with a clear message after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

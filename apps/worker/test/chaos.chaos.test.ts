import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { openQueues, replayDeadLetters } from '@clerk-sync/queue';
import { deliverLikeSvix, generateHistory, TcpProxy, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { oracleDiff } from './oracle-diff.js';
import { Supervised } from './supervisor.js';

/**
 * The chaos suite: a realistic history delivered like Svix (at least once, duplicated, reordered,
 * with forgeries) while the worker is SIGKILLed, the ingest restarted, Redis (AOF on) restarted and
 * Postgres cut off for 20 seconds. The verdict: the tables equal the oracle, every good svix-id is in
 * the inbox exactly once, no forgery was enqueued, and no dead letter is left.
 */

const ingestMain = fileURLToPath(new URL('../../ingest/dist/main.js', import.meta.url));
const workerMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A Redis of our own, with AOF on, in a data folder of our own: the shared one is never touched. */
class OwnRedis {
  readonly port: number;
  readonly dir = mkdtempSync(join(tmpdir(), 'clerk-sync-chaos-redis-'));
  restarts = 0;

  constructor(port: number) {
    this.port = port;
  }

  async start(): Promise<void> {
    spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--dir',
        this.dir,
        '--maxmemory-policy',
        'noeviction',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore', detached: false },
    );
    await waitFor(
      async () =>
        spawnSync('redis-cli', ['-p', String(this.port), 'ping'])
          .stdout?.toString()
          .includes('PONG') ?? false,
      10_000,
      'redis',
    );
  }

  /** SHUTDOWN flushes the AOF; then the server starts again from it. */
  async restart(downMs: number): Promise<void> {
    spawnSync('redis-cli', ['-p', String(this.port), 'shutdown']);
    await sleep(downMs);
    await this.start();
    this.restarts += 1;
  }

  stop(): void {
    spawnSync('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('chaos', () => {
  it('ends exactly right despite crashes, restarts, outages, duplicates, reordering and forgeries', async () => {
    const prefix = randomUUID().slice(0, 6);
    const queueName = `chaos-${prefix}`;
    const schema = uniqueSchema('chaos');
    const redis = new OwnRedis(await freePort());
    await redis.start();
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    const pgUrl = new URL(testDatabaseUrl);
    const proxy = new TcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    await proxy.start();
    const proxied = new URL(testDatabaseUrl);
    proxied.host = `127.0.0.1:${proxy.port}`;
    const ingestPort = await freePort();

    const ingest = new Supervised(process.execPath, [ingestMain], {
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      PORT: String(ingestPort),
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      JOB_ATTEMPTS: '40',
      JOB_BACKOFF_MS: '100',
      LOG_LEVEL: 'warn',
    });
    const worker = new Supervised(process.execPath, [workerMain], {
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      DATABASE_URL: proxied.toString(),
      DB_SCHEMA: schema,
      WORKER_METRICS_PORT: '0',
      WORKER_LOCK_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_MAX_STALLED: '50',
      DEAD_LETTER_SWEEP_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 2 });
    const faults: string[] = [];
    try {
      ingest.start();
      worker.start();
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${ingestPort}/readyz`)).ok,
        20_000,
        'the ingest',
      );

      const history = generateHistory({
        users: 150,
        organizations: 30,
        memberships: 200,
        maxUpdates: 10,
        deleteRate: 0.2,
        seed: Number.parseInt(prefix, 16),
        prefix,
      });
      const delivery = deliverLikeSvix(history.events, {
        url: `http://127.0.0.1:${ingestPort}/webhooks/clerk`,
        concurrency: 8,
        duplicateRate: 0.1,
        badRate: 0.01,
        jitterMs: 120,
        timeoutMs: 3000,
        seed: Number.parseInt(prefix, 16) + 1,
      });

      const chaos = (async () => {
        await sleep(2000);
        worker.kill('SIGKILL');
        faults.push('worker SIGKILL');
        await sleep(3000);
        ingest.kill('SIGTERM');
        faults.push('ingest restart');
        await sleep(3000);
        await redis.restart(1500);
        faults.push('redis restart (AOF)');
        await sleep(3000);
        proxy.cut();
        faults.push('postgres unreachable 20 s');
        await sleep(8000);
        worker.kill('SIGKILL');
        faults.push('worker SIGKILL during the outage');
        await sleep(12_000);
        proxy.restore();
        await sleep(2000);
        worker.kill('SIGKILL');
        faults.push('worker SIGKILL after the outage');
      })();

      const [stats] = await Promise.all([delivery, chaos]);
      const goodIds = new Set(history.events.map((e) => e.svixId));

      const inboxCount = async () =>
        Number(
          (
            await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(schema)}.webhook_events`.execute(
              database.db,
            )
          ).rows[0]?.n,
        );
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const queues = openQueues(queueName, connection);
      const { queue, deadLetters } = queues;
      let replayed = 0;
      try {
        await waitFor(
          async () => {
            if ((await deadLetters.dead.getJobCountByTypes('waiting')) > 0) {
              replayed += (await replayDeadLetters(deadLetters, { all: true })).replayed.length;
            }
            return (await inboxCount()) === goodIds.size;
          },
          120_000,
          'every good event in the inbox',
        ).catch(async (error: unknown) => {
          // Say what is missing and where it is, before failing.
          const inbox = await sql<{
            svix_id: string;
          }>`SELECT svix_id FROM ${sql.id(schema)}.webhook_events`.execute(database.db);
          const seen = new Set(inbox.rows.map((r) => r.svix_id));
          const missing = [...goodIds].filter((id) => !seen.has(id));
          const where = await Promise.all(
            missing.slice(0, 10).map(async (id) => {
              const job = await queue.getJob(id);
              return `${id}: ${job ? `${await job.getState()} attempts=${job.attemptsMade} reason=${job.failedReason ?? ''}` : 'no job'}`;
            }),
          );
          console.error(
            [
              `inbox ${inbox.rows.length} of ${goodIds.size}; missing ${missing.length}`,
              ...where,
              `queue ${JSON.stringify(await queue.getJobCounts())}`,
              `dead ${await deadLetters.dead.getJobCountByTypes('waiting')}`,
              `worker output: ${worker.output.slice(-3000)}`,
              `ingest output: ${ingest.output.slice(-1500)}`,
            ].join('\n'),
          );
          throw error;
        });
        await waitFor(
          async () => {
            const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
            return Object.values(c).every((n) => n === 0);
          },
          60_000,
          'an idle queue',
        );

        // Verdict 1: the tables equal the oracle.
        const diffs = await oracleDiff(database, schema, history.expected);

        // Verdict 2: every good svix-id exactly once; no forgery anywhere.
        const inbox = await sql<{
          svix_id: string;
        }>`SELECT svix_id FROM ${sql.id(schema)}.webhook_events`.execute(database.db);
        const inboxIds = new Set(inbox.rows.map((r) => r.svix_id));
        expect(inbox.rows.length).toBe(goodIds.size);
        expect([...goodIds].filter((id) => !inboxIds.has(id))).toEqual([]);
        expect(inbox.rows.filter((r) => r.svix_id.startsWith('bad_'))).toEqual([]);
        expect(await connection.keys(`bull:${queueName}:bad_*`)).toEqual([]);
        expect(stats.badAccepted).toBe(0);

        // Verdict 3: no dead letter left.
        expect(await deadLetters.dead.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(0);

        const completed = await queue.getJobs(['completed'], 0, -1);
        const jobRetries = completed.reduce((sum, job) => sum + Math.max(0, job.attemptsMade - 1), 0);
        console.log(
          [
            'chaos verdict',
            `  events ${stats.events}, deliveries ${stats.deliveries} (${stats.retries} redelivered after 5xx/timeouts), extra duplicates ${stats.duplicates}`,
            `  bad requests ${stats.badRequests} (accepted ${stats.badAccepted})`,
            `  faults ${faults.length}: ${faults.join('; ')}`,
            `  job retries ${jobRetries}, worker starts ${worker.starts}, ingest starts ${ingest.starts}, dead letters replayed ${replayed}`,
            `  final diff = ${diffs.length}`,
          ].join('\n'),
        );
        expect(diffs).toEqual([]);
        expect(faults).toHaveLength(6);
        expect(worker.starts).toBeGreaterThanOrEqual(4);
        expect(stats.retries).toBeGreaterThan(0);
      } finally {
        await queues.close();
        connection.disconnect();
      }
    } finally {
      await Promise.all([ingest.stop(), worker.stop()]);
      await proxy.close();
      redis.stop();
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
      await database.close();
    }
  }, 540_000);
});

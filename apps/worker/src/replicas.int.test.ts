import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import {
  deliverLikeSvix,
  generateHistory,
  makeEvent,
  svixHeaders,
  TEST_SIGNING_SECRET,
} from '@clerk-sync/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/free-port.js';
import { redisUrl, waitFor } from '../test/harness.js';
import { inboxIds } from '../test/inbox-ids.js';
import { oracleDiff } from '../test/oracle-diff.js';
import { type SpawnedService, spawnService } from '../test/spawn-service.js';

/** The compiled apps, as production runs them (`pnpm test` builds first). */
const ingestMain = fileURLToPath(new URL('../../ingest/dist/main.js', import.meta.url));
const workerMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Replicas as deployed: two ingest processes and three worker processes on one queue and one schema.
 * A shuffled history with duplicates is posted across both ingests while one worker is SIGKILLed;
 * the copy must still equal the history applied once, in order.
 */
describe('two ingests and three workers on one queue and one database', () => {
  const suffix = Math.random().toString(16).slice(2, 8);
  const queueName = `test-replicas-${suffix}`;
  const schema = uniqueSchema('replicas');
  const ingests: SpawnedService[] = [];
  const workers: SpawnedService[] = [];
  const urls: string[] = [];
  let database: ClerkDatabase;
  let queue: Queue;

  beforeAll(async () => {
    database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 2 });
    queue = new Queue(queueName, { connection: { url: redisUrl } });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ingests.push(
        spawnService(ingestMain, {
          CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
          REDIS_URL: redisUrl,
          QUEUE_NAME: queueName,
          PORT: String(port),
          HOST: '127.0.0.1',
          ADMIN_PORT: '0',
          METRICS_PORT: '0',
          JOB_BACKOFF_MS: '100',
          LOG_LEVEL: 'warn',
        }),
      );
      urls.push(`http://127.0.0.1:${port}/webhooks/clerk`);
    }
    for (let i = 0; i < 3; i++) {
      workers.push(
        spawnService(workerMain, {
          REDIS_URL: redisUrl,
          QUEUE_NAME: queueName,
          DATABASE_URL: testDatabaseUrl,
          DB_SCHEMA: schema,
          WORKER_METRICS_PORT: '0',
          // Short, so that the killed worker's jobs come back quickly; the chaos suite measures the defaults.
          WORKER_LOCK_MS: '2000',
          WORKER_STALLED_INTERVAL_MS: '1000',
          LOG_LEVEL: 'info',
        }),
      );
    }
    for (const url of urls) {
      await waitFor(
        async () =>
          (await fetch(url.replace('/webhooks/clerk', '/readyz')).catch(() => undefined))?.ok ?? false,
        20_000,
        `the ingest at ${url}`,
      );
    }
    await waitFor(
      async () => workers.every((w) => w.output().includes('worker started')),
      45_000,
      'three workers',
    ).catch((error: unknown) => {
      throw new Error(
        `${(error as Error).message}\n${workers.map((w) => w.output().slice(-1500)).join('\n')}`,
      );
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...ingests, ...workers].map((service) => service.stop()));
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  });

  it('ends equal to in-order application, each svix-id once, though a worker was SIGKILLed mid-run', async () => {
    const seed = Number.parseInt(suffix, 16);
    const history = generateHistory({
      users: 60,
      organizations: 12,
      memberships: 80,
      maxUpdates: 8,
      deleteRate: 0.2,
      seed,
      prefix: suffix,
    });
    const goodIds = new Set(history.events.map((e) => e.svixId));
    const inboxCount = async () => (await inboxIds(database, schema).catch(() => [])).length;
    const delivery = deliverLikeSvix(history.events, {
      url: urls,
      concurrency: 8,
      duplicateRate: 0.15,
      badRate: 0,
      jitterMs: 20,
      timeoutMs: 3000,
      seed: seed + 1,
    });
    const victim = workers[0];
    if (!victim) throw new Error('no worker to kill');
    // Mid-run: a quarter of the history applied, the rest still coming.
    await waitFor(async () => (await inboxCount()) >= goodIds.size / 4, 60_000, 'a quarter of the history');
    const killedAt = await inboxCount();
    victim.child.kill('SIGKILL');
    await once(victim.child, 'exit');
    const stats = await delivery;
    await waitFor(async () => (await inboxCount()) >= goodIds.size, 60_000, 'every event in the inbox');
    await waitFor(
      async () => {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        return Object.values(counts).every((n) => n === 0);
      },
      30_000,
      'an idle queue',
    );

    const inbox = await inboxIds(database, schema);
    expect(killedAt).toBeLessThan(goodIds.size);
    expect(inbox).toHaveLength(goodIds.size);
    expect(new Set(inbox)).toEqual(goodIds);
    expect(await oracleDiff(database, schema, history.expected)).toEqual([]);
    // The survivors did the work, and duplicates were really sent.
    for (const worker of workers.slice(1)) expect(worker.output()).toContain('batch applied');
    expect(stats.duplicates).toBeGreaterThan(0);
    const dead = new Queue(`${queueName}-dead`, { connection: { url: redisUrl } });
    expect(await dead.getJobCountByTypes('waiting', 'delayed')).toBe(0);
    await dead.close();
    const stalled = workers.reduce((n, w) => n + (w.output().match(/job stalled/g)?.length ?? 0), 0);
    console.log(
      `replicas: ${stats.events} events, ${stats.deliveries} deliveries (${stats.duplicates} duplicates) over 2 ingests; worker SIGKILLed at ${killedAt} applied; ${stalled} of its jobs recovered as stalled`,
    );
  }, 120_000);

  it('answers exactly one 202 and one 200 when both ingests receive one svix-id at once', async () => {
    const pairs = Array.from({ length: 100 }, (_, i) => {
      const svixId = `msg_race_${suffix}_${i}`;
      const event = makeEvent(
        { kind: 'user', id: `user_race_${suffix}_${i}`, createdAt: 1_760_000_000_000 },
        'created',
        1_760_000_000_000,
      );
      return { svixId, body: JSON.stringify(event) };
    });
    const statuses = await Promise.all(
      pairs.map(({ svixId, body }) =>
        Promise.all(
          urls.map(async (url) => {
            const res = await fetch(url, {
              method: 'POST',
              body,
              headers: svixHeaders(TEST_SIGNING_SECRET, svixId, body),
            });
            await res.arrayBuffer();
            return res.status;
          }),
        ),
      ),
    );
    expect(statuses.map((pair) => [...pair].sort())).toEqual(pairs.map(() => [200, 202]));
    const raced = new Set(pairs.map((p) => p.svixId));
    await waitFor(
      async () => (await inboxIds(database, schema)).filter((id) => raced.has(id)).length >= raced.size,
      30_000,
      'the raced events applied',
    );
    const applied = (await inboxIds(database, schema)).filter((id) => raced.has(id));
    expect(applied.sort()).toEqual([...raced].sort());
  }, 60_000);
});

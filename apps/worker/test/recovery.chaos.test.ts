import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { deliverLikeSvix, generateHistory, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from '../src/env.js';
import { freePort } from './free-port.js';
import { redisUrl, waitFor } from './harness.js';
import { inboxIds } from './inbox-ids.js';
import { oracleDiff } from './oracle-diff.js';
import { spawnService } from './spawn-service.js';
import { Supervised } from './supervisor.js';

/**
 * Crash recovery with the shipped lock settings (issue #20): a worker is SIGKILLed while it holds
 * jobs, the supervisor starts another, and the time from the kill to the last of the killed worker's
 * in-flight events being applied must stay within 15 s. A bound on availability, not a benchmark.
 */

const ingestMain = fileURLToPath(new URL('../../ingest/dist/main.js', import.meta.url));
const workerMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECOVERY_BOUND_MS = 15_000;

describe('crash recovery', () => {
  it("applies a SIGKILLed worker's in-flight events within 15 s, with the default lock and stalled check", async () => {
    const prefix = randomUUID().slice(0, 6);
    const queueName = `recovery-${prefix}`;
    const schema = uniqueSchema('recovery');
    // The defaults under test: nothing below sets WORKER_LOCK_MS or WORKER_STALLED_INTERVAL_MS.
    const defaults = readWorkerEnv({});
    const port = await freePort();
    const ingest = spawnService(ingestMain, {
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const worker = new Supervised(process.execPath, [workerMain], {
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      DATABASE_URL: testDatabaseUrl,
      DB_SCHEMA: schema,
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const queue = new Queue(queueName, { connection: { url: redisUrl } });
    const redis = new Redis(redisUrl);
    const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 2 });
    const inbox = async () => new Set(await inboxIds(database, schema).catch(() => []));
    try {
      worker.start();
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ?? false,
        20_000,
        'the ingest',
      );
      // About 4,000 events, as in the issue.
      const history = generateHistory({
        users: 250,
        organizations: 50,
        memberships: 330,
        maxUpdates: 10,
        deleteRate: 0.2,
        seed: Number.parseInt(prefix, 16),
        prefix,
      });
      const delivery = deliverLikeSvix(history.events, {
        url: `http://127.0.0.1:${port}/webhooks/clerk`,
        concurrency: 16,
        duplicateRate: 0.05,
        badRate: 0,
        jitterMs: 5,
        timeoutMs: 5000,
        seed: Number.parseInt(prefix, 16) + 1,
      });
      const activeIds = (): Promise<string[]> => redis.lrange(queue.toKey('active'), 0, -1);

      // Kill while the worker holds jobs that are not applied yet; if a kill lands between batches,
      // the supervisor's next worker is killed in turn.
      await waitFor(
        async () => (await inbox()).size >= history.events.length / 10,
        60_000,
        'a tenth applied',
      );
      let kill: { at: number; inFlight: string[]; pending: string[] } | undefined;
      for (let attempt = 0; attempt < 5 && !kill; attempt++) {
        await waitFor(async () => (await activeIds()).length >= 3, 30_000, 'a worker holding jobs');
        worker.kill('SIGKILL');
        const at = Date.now();
        const inFlight = await activeIds();
        const applied = await inbox();
        const pending = inFlight.filter((id) => !applied.has(id));
        if (pending.length > 0) kill = { at, inFlight, pending };
      }
      if (!kill) throw new Error('no kill caught the worker with unapplied jobs in five tries');
      const { at, inFlight, pending } = kill;

      let recoveredMs = Number.POSITIVE_INFINITY;
      for (const deadline = at + 60_000; Date.now() < deadline; await sleep(50)) {
        const applied = await inbox();
        if (pending.every((id) => applied.has(id))) {
          recoveredMs = Date.now() - at;
          break;
        }
      }
      console.log(
        [
          'crash recovery',
          `  lock ${defaults.WORKER_LOCK_MS} ms, stalled check every ${defaults.WORKER_STALLED_INTERVAL_MS} ms`,
          `  killed worker held ${inFlight.length} jobs, ${pending.length} not yet applied`,
          `  last of them applied ${recoveredMs} ms after the SIGKILL (bound ${RECOVERY_BOUND_MS} ms)`,
          `  worker starts ${worker.starts}`,
        ].join('\n'),
      );
      expect(recoveredMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
      expect(worker.output).toContain('job stalled');

      // And the run still ends exactly right.
      await delivery;
      const goodIds = new Set(history.events.map((e) => e.svixId));
      await waitFor(async () => (await inbox()).size >= goodIds.size, 60_000, 'every event in the inbox');
      expect(await inbox()).toEqual(goodIds);
      expect(await oracleDiff(database, schema, history.expected)).toEqual([]);
    } finally {
      await Promise.all([ingest.stop(), worker.stop()]);
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      redis.disconnect();
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
      await database.close();
    }
  }, 180_000);
});

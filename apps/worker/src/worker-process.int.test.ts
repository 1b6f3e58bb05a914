import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { jobOptions } from '@clerk-sync/queue';
import { makeEvent } from '@clerk-sync/testkit';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { redisUrl, waitFor } from '../test/harness.js';

/** The compiled worker, as production runs it (`pnpm test` builds first). */
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function spawnWorker(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', REDIS_URL: redisUrl, WORKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  return { child, output: () => output };
}

describe('the worker process', () => {
  it('exits 1 with the reason when the database cannot be migrated', async () => {
    const { child, output } = spawnWorker({
      QUEUE_NAME: `test-proc-${randomUUID()}`,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toMatch(/worker failed to start: .*(ECONNREFUSED|connect)/);
  });

  it('survives SIGKILL mid-run: a restarted worker finishes, nothing lost, each svix-id applied once', async () => {
    const queueName = `test-proc-${randomUUID()}`;
    const schema = uniqueSchema();
    const env = {
      QUEUE_NAME: queueName,
      DATABASE_URL: testDatabaseUrl,
      DB_SCHEMA: schema,
      WORKER_CONCURRENCY: '20',
      BATCH_MAX: '20',
      BATCH_WAIT_MS: '30',
      WORKER_LOCK_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info',
    };
    const queue = new Queue(queueName, { connection: { url: redisUrl } });
    const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 2 });
    const T0 = 1_760_000_000_000;
    const policy = {
      attempts: 10,
      backoffMs: 100,
      jitter: 0.5,
      dedupeWindowSeconds: 3600,
      dedupeMaxJobs: 10_000,
    };
    // Enough work that the kill lands mid-run however fast the first worker is.
    const users = 500;
    const total = users * 4;
    const jobs = Array.from({ length: users }, (_, u) =>
      [0, 1, 2, 3].map((n) => {
        const event = makeEvent(
          { kind: 'user', id: `user_kill_${u}`, createdAt: T0 },
          n === 0 ? 'created' : 'updated',
          T0 + n,
        );
        const svixId = `msg_kill_${u}_${n}`;
        return {
          name: event.type,
          data: { v: 1, svixId, receivedAt: Date.now(), event },
          opts: jobOptions(svixId, policy),
        };
      }),
    )
      .flat()
      .sort(() => Math.random() - 0.5);
    const inbox = async () => {
      try {
        const r = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM ${sql.id(schema)}.webhook_events`.execute(database.db);
        return r.rows[0]?.n ?? 0;
      } catch {
        return 0;
      }
    };
    let first: ChildProcess | undefined;
    let second: ChildProcess | undefined;
    try {
      await queue.addBulk(jobs);
      const one = spawnWorker(env);
      first = one.child;
      await waitFor(async () => one.output().includes('batch applied'), 20_000, 'the first batch');
      one.child.kill('SIGKILL');
      await once(one.child, 'exit');
      const afterKill = await inbox();
      expect(afterKill).toBeGreaterThan(0);
      expect(afterKill).toBeLessThan(total);

      const two = spawnWorker(env);
      second = two.child;
      await waitFor(async () => (await inbox()) === total, 30_000, 'every event applied after the restart');
      two.child.kill('SIGTERM');
      const [code] = await once(two.child, 'exit');
      expect(code).toBe(0);

      const rows = await sql<{ id: string; version: number; first_name: string }>`
        SELECT id, version, first_name FROM ${sql.id(schema)}.users ORDER BY id`.execute(database.db);
      expect(rows.rows).toHaveLength(users);
      expect(rows.rows.every((r) => Number(r.version) === T0 + 3 && r.first_name === `First ${T0 + 3}`)).toBe(
        true,
      );
      const distinct = await sql<{ n: number }>`
        SELECT count(DISTINCT svix_id)::int AS n FROM ${sql.id(schema)}.webhook_events`.execute(database.db);
      expect(distinct.rows[0]?.n).toBe(total);
      const dead = new Queue(`${queueName}-dead`, { connection: { url: redisUrl } });
      expect(await dead.getJobCountByTypes('waiting')).toBe(0);
      await dead.close();
    } finally {
      first?.kill('SIGKILL');
      second?.kill('SIGKILL');
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
      await database.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { type ClerkDatabase, pruneExpired } from '@clerk-sync/db';
import { openTestDatabase, sql } from '@clerk-sync/db/testing';
import { connectRedis, takeLease } from '@clerk-sync/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createWorkerMetrics } from './metrics.js';
import { startRetentionSweep } from './retention-sweep.js';

const DAY = 24 * 3_600_000;
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('the worker’s retention sweep', () => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('prunes on its timer, counts what it deleted by table, and stops cleanly', async () => {
    const table = sql.table(`${database.schema}.webhook_events`);
    for (const [svixId, age] of [
      ['msg_sweep_old_1', 45],
      ['msg_sweep_old_2', 31],
      ['msg_sweep_new', 1],
    ] as const) {
      await sql`INSERT INTO ${table} (svix_id, type, received_at, outcome)
                VALUES (${svixId}, 'user.updated', ${new Date(Date.now() - age * DAY)}, 'applied')`.execute(
        database.db,
      );
    }
    const metrics = createWorkerMetrics();
    const stop = startRetentionSweep({
      dbs: [database.db],
      policy: {
        webhookEventsDays: 30,
        messagesDays: 90,
        sessionsDays: 90,
        auditLogDays: undefined,
        changesDays: 7,
      },
      intervalMs: 50,
      metrics,
      logger: createLogger('silent'),
    });
    const left = async () =>
      (await sql<{ svix_id: string }>`SELECT svix_id FROM ${table}`.execute(database.db)).rows.map(
        (r) => r.svix_id,
      );
    const deadline = Date.now() + 5000;
    while ((await left()).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await stop();
    expect(await left()).toEqual(['msg_sweep_new']);
    expect(await metrics.registry.getSingleMetricAsString('clerk_sync_pruned_rows_total')).toContain(
      'clerk_sync_pruned_rows_total{table="webhook_events"} 2',
    );
    const again = await pruneExpired(database.db, {
      webhookEventsDays: 30,
      messagesDays: undefined,
      sessionsDays: undefined,
      auditLogDays: undefined,
      changesDays: undefined,
    });
    expect(again.webhookEventsDays).toBe(0);
  });

  it('skips its rounds while another replica holds the lease, and sweeps once it is free', async () => {
    const table = sql.table(`${database.schema}.webhook_events`);
    await sql`INSERT INTO ${table} (svix_id, type, received_at, outcome)
              VALUES ('msg_lease_old', 'user.updated', ${new Date(Date.now() - 45 * DAY)}, 'applied')`.execute(
      database.db,
    );
    const redis = connectRedis({ url: redisUrl, clusterNodes: [], role: 'consumer' });
    const key = `test-retention-lease-${randomUUID()}`;
    try {
      await redis.set(key, 'another replica', 'PX', 60_000);
      let rounds = 0;
      const stop = startRetentionSweep({
        dbs: [database.db],
        policy: {
          webhookEventsDays: 30,
          messagesDays: undefined,
          sessionsDays: undefined,
          auditLogDays: undefined,
          changesDays: undefined,
        },
        intervalMs: 50,
        metrics: createWorkerMetrics(),
        logger: createLogger('silent'),
        lease: async () => {
          rounds += 1;
          return takeLease(redis, key, 40);
        },
      });
      const old = async () =>
        (
          await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM ${table} WHERE svix_id = 'msg_lease_old'`.execute(database.db)
        ).rows[0]?.n;
      while (rounds < 4) await new Promise((r) => setTimeout(r, 25));
      expect(await old()).toBe(1);
      await redis.del(key);
      const deadline = Date.now() + 5000;
      while ((await old()) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      await stop();
      expect(await old()).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});

import { sql } from '@clerk-sync/db/testing';
import { entityKindOf } from '@clerk-sync/events';
import { loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, redisUrl, startHarness, waitFor } from '../test/harness.js';

/** Where each kind of Clerk object lands. */
const tableOf: Record<string, string> = {
  user: 'users',
  organization: 'organizations',
  organization_membership: 'organization_memberships',
  organization_invitation: 'organization_invitations',
  organization_domain: 'organization_domains',
  session: 'sessions',
  role: 'roles',
  permission: 'permissions',
  waitlist_entry: 'waitlist_entries',
  subscription: 'subscriptions',
  subscription_item: 'subscription_items',
  payment_attempt: 'payment_attempts',
  email: 'messages',
  sms: 'messages',
};

const examples = loadWebhookExamples().map(({ file, event }, i) => {
  // Each file gets its own entity id, so each file's row can be checked on its own.
  const copy = structuredClone(event);
  copy.data.id = `${String(event.data.id)}_f${i}`;
  return { file, event: copy, svixId: `msg_example_${i}` };
});

describe('every Clerk event type through the pipeline', () => {
  let h: Harness;
  const inbox = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM ${sql.table(`${h.worker.database.schema}.webhook_events`)}`.execute(
          h.worker.database.db,
        )
      ).rows[0]?.n,
    );
  const snapshot = async () => {
    const parts: Record<string, unknown> = {};
    for (const table of new Set(Object.values(tableOf))) {
      parts[table] = (
        await sql`SELECT * FROM ${sql.table(`${h.worker.database.schema}.${table}`)} ORDER BY id`.execute(
          h.worker.database.db,
        )
      ).rows;
    }
    return parts;
  };

  beforeAll(async () => {
    h = await startHarness({ backend: 'postgres' });
    for (const e of examples) expect(await h.deliver(e.event, e.svixId)).toBe(202);
    await waitFor(async () => (await inbox()) === examples.length, 20_000, 'every example applied');
    await h.idle();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(examples)('$file produces its row', async ({ event, svixId }) => {
    const table = tableOf[entityKindOf(event.type)];
    expect(table).toBeDefined();
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(`${h.worker.database.schema}.${String(table)}`)} WHERE id = ${event.data.id}`.execute(
      h.worker.database.db,
    );
    expect(rows).toHaveLength(1);
    const row = rows[0] ?? {};
    const inboxRow = await h.worker.database.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('svix_id', '=', svixId)
      .executeTakeFirst();
    expect(inboxRow?.outcome).toBe('applied');
    if (table === 'messages') {
      expect(row).toMatchObject({
        kind: entityKindOf(event.type),
        svix_id: svixId,
        to_address: null,
        body: null,
      });
      return;
    }
    expect(row.last_event_id).toBe(svixId);
    if (event.type.endsWith('.deleted')) {
      expect(row.deleted_at).toBeInstanceOf(Date);
      return;
    }
    expect(row.deleted_at).toBeNull();
    expect(Number(row.version)).toBe(event.data.updated_at);
    if (typeof event.data.status === 'string') expect(row.status).toBe(event.data.status);
  });

  it('changes nothing when every example is delivered again, with the same or new svix-ids', async () => {
    const before = await snapshot();
    for (const e of examples) expect(await h.deliver(e.event, e.svixId)).toBe(200);
    for (const e of examples) expect(await h.deliver(e.event, `${e.svixId}_again`)).toBe(202);
    await waitFor(async () => (await inbox()) === examples.length * 2, 20_000, 'the redeliveries');
    await h.idle();
    const after = (await snapshot()) as Record<string, Array<Record<string, unknown>>>;
    // Same content at the same version and envelope time: a new svix-id sorts after its original and
    // wins the tie, so only the bookkeeping of which delivery wrote a synced row may move. Messages
    // are append-only and keep the svix-id of their first delivery.
    const strip = (s: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(s).map(([t, rows]) => [
          t,
          (rows as Array<Record<string, unknown>>).map(({ last_event_id: _, svix_id, ...rest }) =>
            t === 'messages' ? { svix_id, ...rest } : rest,
          ),
        ]),
      );
    expect(strip(after)).toEqual(strip(before));
  });
});

describe('right to erasure in Redis', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'postgres' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps no personal data in the jobs Redis retains for the dedupe window', async () => {
    const user = makeEvent(
      { kind: 'user', id: 'user_redis', createdAt: 1_760_000_000_000 },
      'created',
      1_760_000_000_000,
    );
    user.data.first_name = 'Ophelia';
    user.data.last_name = 'Vantablack';
    user.data.email_addresses = [{ id: 'idn_user_redis', email_address: 'ophelia.redis@example.test' }];
    user.data.primary_email_address_id = 'idn_user_redis';
    expect(await h.deliver(user, 'msg_redis_1')).toBe(202);
    expect(
      await h.deliver(
        makeEvent(
          { kind: 'user', id: 'user_redis', createdAt: 1_760_000_000_000 },
          'deleted',
          1_760_000_001_000,
        ),
        'msg_redis_2',
      ),
    ).toBe(202);
    await waitFor(
      async () => (await h.ingest.queue.getJobCountByTypes('completed')) === 2,
      10_000,
      'both jobs completed',
    );
    const redis = new Redis(redisUrl);
    try {
      const keys = await redis.keys(`bull:${h.queueName}*`);
      expect(keys.length).toBeGreaterThan(0);
      const dump: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'string') dump.push(String(await redis.get(key)));
        else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'zset') dump.push(JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      }
      const text = dump.join('\n');
      expect(text).toContain('user_redis');
      for (const personal of ['ophelia.redis@example.test', 'Ophelia', 'Vantablack'])
        expect(text).not.toContain(personal);
      const job = await h.ingest.queue.getJob('msg_redis_1');
      expect(job?.data).toMatchObject({
        scrubbed: true,
        event: { type: 'user.created', data: { id: 'user_redis' } },
      });
      expect(['applied', 'stale']).toContain(job?.returnvalue);
    } finally {
      redis.disconnect();
    }
  });
});

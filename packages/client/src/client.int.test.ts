import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase, type PgBouncer, startPgBouncer, testDatabaseUrl } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Change } from './change.js';
import { type ClerkSyncClient, createClient } from './create-client.js';
import { ChangeHandlerError } from './subscribe.js';
import { WaitForTimeoutError } from './wait-for.js';

const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_client_${++n}`, receivedAt: Date.now(), event: event as never });
const user = (id: string) => ({ kind: 'user' as const, id, createdAt: T0 });
const createUser = (database: ClerkDatabase, id: string, version = T0) =>
  applyEvents(database.db, [deliver(makeEvent(user(id), 'created', version))]);

async function feedEnd(client: ClerkSyncClient): Promise<number> {
  const row = await client.db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('seq').as('end'))
    .executeTakeFirst();
  return Number(row?.end ?? 0);
}

describe('the client on Postgres', () => {
  let database: ClerkDatabase;
  let client: ClerkSyncClient;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    client = createClient({ databaseUrl: testDatabaseUrl, schema: database.schema });
  });
  afterAll(async () => {
    await client?.close();
    await database?.close();
  });

  it('reads typed rows from the tables and the live views', async () => {
    await createUser(database, 'user_read');
    const rows = await client.db.selectFrom('users_live').select(['id', 'email', 'version']).execute();
    expectTypeOf(rows[0]?.email).toEqualTypeOf<string | null | undefined>();
    expectTypeOf(rows[0]?.version).toEqualTypeOf<number | undefined>();
    expect(rows).toEqual([{ id: 'user_read', email: expect.stringContaining('@example.test'), version: T0 }]);
  });

  it('delivers an applied change within a second of its commit, through LISTEN (polling set to 60 s)', async () => {
    const from = await feedEnd(client);
    const latencies: number[] = [];
    let committedAt = 0;
    let received: (change: Change) => void = () => {};
    const subscription = client.subscribe({ from, pollIntervalMs: 60_000 }, (change) => received(change));
    // Give the LISTEN connection a moment to start, as a long-running app's would have.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 20; i++) {
      const arrived = new Promise<Change>((resolve) => {
        received = resolve;
      });
      await createUser(database, `user_latency_${i}`);
      committedAt = performance.now();
      const change = await arrived;
      latencies.push(performance.now() - committedAt);
      expect(change).toMatchObject({ entity: 'users', entityId: `user_latency_${i}`, op: 'insert' });
    }
    await subscription.close();
    latencies.sort((a, b) => a - b);
    console.info(
      `feed latency after commit over 20 changes: median ${latencies[10]?.toFixed(1)} ms, max ${latencies[19]?.toFixed(1)} ms`,
    );
    expect(latencies[19]).toBeLessThan(1000);
  });

  it('misses nothing across a restart from the last handled seq, in seq order', async () => {
    const from = await feedEnd(client);
    const seen: Change[] = [];
    const first = client.subscribe({ from, pollIntervalMs: 50 }, (change) => {
      seen.push(change);
    });
    for (const id of ['user_r1', 'user_r2']) await createUser(database, id);
    await expect.poll(() => seen.length).toBe(2);
    await first.close();
    const stored = first.position;
    expect(stored).toBe(seen[1]?.seq);

    // While nobody listens: creates, an update and a delete.
    for (const id of ['user_r3', 'user_r4', 'user_r5']) await createUser(database, id);
    await applyEvents(database.db, [deliver(makeEvent(user('user_r1'), 'updated', T0 + 10))]);
    await applyEvents(database.db, [deliver(makeEvent(user('user_r2'), 'deleted', T0 + 20))]);

    const second = client.subscribe({ from: stored, pollIntervalMs: 50 }, (change) => {
      seen.push(change);
    });
    await expect.poll(() => seen.length).toBe(7);
    await second.close();
    const expected = await client.db
      .selectFrom('changes')
      .select(['seq', 'entity_id', 'op'])
      .where('seq', '>', from)
      .orderBy('seq')
      .execute();
    expect(seen.map((c) => [c.seq, c.entityId, c.op])).toEqual(
      expected.map((r) => [r.seq, r.entity_id, r.op]),
    );
    expect(seen.map((c) => `${c.entityId} ${c.op}`).slice(2)).toEqual([
      'user_r3 insert',
      'user_r4 insert',
      'user_r5 insert',
      'user_r1 update',
      'user_r2 delete',
    ]);
  });

  it('skips nothing while several writers commit at once: every seq is delivered once, in order', async () => {
    const from = await feedEnd(client);
    const seen: number[] = [];
    const subscription = client.subscribe({ from, pollIntervalMs: 5, batchSize: 7 }, (change) => {
      seen.push(change.seq);
    });
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let b = 0; b < 15; b++) {
        const events = Array.from({ length: 3 }, (_, i) =>
          deliver(makeEvent(user(`user_c_${w}_${b}_${i}`), 'created', T0)),
        );
        await applyEvents(database.db, events);
      }
    });
    await Promise.all(writers);
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(4 * 15 * 3);
    await subscription.close();
    const all = await client.db
      .selectFrom('changes')
      .select('seq')
      .where('seq', '>', from)
      .orderBy('seq')
      .execute();
    expect(seen).toEqual(all.map((r) => r.seq));
  });

  it('retries a failing handler on the same change, and stops at that change when it keeps failing', async () => {
    const from = await feedEnd(client);
    await createUser(database, 'user_flaky');
    let calls = 0;
    const errors: number[] = [];
    const flaky = client.subscribe(
      { from, retryDelayMs: 10, onError: (_e, { attempt }) => errors.push(attempt) },
      () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
      },
    );
    await expect.poll(() => flaky.position).toBeGreaterThan(from);
    await flaky.close();
    expect(calls).toBe(3);
    expect(errors).toEqual([1, 2]);

    const broken = client.subscribe({ from, retryDelayMs: 10, handlerAttempts: 3 }, () => {
      throw new Error('always');
    });
    await expect(broken.done).rejects.toBeInstanceOf(ChangeHandlerError);
    expect(broken.position).toBe(from);
  });

  it('waitFor resolves when the row reaches the version, at once if it already has, and rejects on timeout', async () => {
    await createUser(database, 'user_wait');
    await expect(client.waitFor('users', 'user_wait', { minVersion: T0 })).resolves.toEqual({
      version: T0,
      deleted: false,
    });
    const waiting = client.waitFor('users', 'user_wait', { minVersion: T0 + 50, timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await applyEvents(database.db, [deliver(makeEvent(user('user_wait'), 'updated', T0 + 30))]);
    await applyEvents(database.db, [deliver(makeEvent(user('user_wait'), 'updated', T0 + 50))]);
    await expect(waiting).resolves.toEqual({ version: T0 + 50, deleted: false });

    const started = Date.now();
    await expect(
      client.waitFor('users', 'user_wait', { minVersion: T0 + 1000, timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(WaitForTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);

    const other = createClient({ databaseUrl: testDatabaseUrl, schema: database.schema });
    const pending = other.waitFor('users', 'user_wait', { minVersion: T0 + 1000, timeoutMs: 60_000 });
    pending.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    await other.close();
    await expect(pending).rejects.toThrow('the client is closed');
  });
});

describe('the client through PgBouncer in transaction mode (LISTEN does not work there)', () => {
  let database: ClerkDatabase;
  let bouncer: PgBouncer;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    bouncer = await startPgBouncer(testDatabaseUrl, 2);
  });
  afterAll(async () => {
    await bouncer?.stop();
    await database?.close();
  });

  it.each([
    ['polling only (listen: false)', false as const],
    ['LISTEN sent through the pooler', undefined],
  ])('delivers every change by polling: %s', async (_name, listen) => {
    const client = createClient({ databaseUrl: bouncer.url, schema: database.schema, listen, poolSize: 3 });
    try {
      const from = await feedEnd(client);
      const seen: Change[] = [];
      const subscription = client.subscribe({ from, pollIntervalMs: 100 }, (change) => {
        seen.push(change);
      });
      const ids = Array.from(
        { length: 5 },
        (_, i) => `user_pool_${listen === false ? 'poll' : 'listen'}_${i}`,
      );
      for (const id of ids) await createUser(database, id);
      await expect.poll(() => seen.map((c) => c.entityId), { timeout: 5000 }).toEqual(ids);
      const seqs = seen.map((c) => c.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      await subscription.close();
      await expect(
        client.waitFor('users', ids[0] ?? '', { minVersion: T0, timeoutMs: 2000 }),
      ).resolves.toEqual({
        version: T0,
        deleted: false,
      });
    } finally {
      await client.close();
    }
  });
});

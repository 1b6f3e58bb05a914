import { prepareEvent } from '@clerk-sync/events';
import { clerkObject, makeEvent, TEST_INSTANCE_ID } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChanges, applyEvents } from '../apply/apply-events.js';
import { entityChangeFor } from '../apply/handlers.js';
import { defaultPrivacy } from '../apply/privacy.js';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase, testDatabaseUrl } from '../testing/test-database.js';

const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_feed_${++n}`, receivedAt: Date.now(), event: event as never });
const user = (id: string) => ({ kind: 'user' as const, id, createdAt: T0 });

async function changesOf(database: ClerkDatabase, entityId: string) {
  return database.db
    .selectFrom('changes')
    .select(['seq', 'entity', 'entity_id', 'op', 'version', 'changed_fields', 'source'])
    .where('entity_id', '=', entityId)
    .orderBy('seq')
    .execute();
}

describe.each(backends)('the change feed on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('appends insert, update and delete with field names, version and svix-id; a stale event adds nothing', async () => {
    const created = deliver(makeEvent(user('user_f1'), 'created', T0));
    const updated = deliver(makeEvent(user('user_f1'), 'updated', T0 + 10));
    const stale = deliver(makeEvent(user('user_f1'), 'updated', T0 + 5));
    const deleted = deliver(makeEvent(user('user_f1'), 'deleted', T0 + 20));
    await applyEvents(database.db, [created]);
    await applyEvents(database.db, [updated]);
    await applyEvents(database.db, [stale]);
    await applyEvents(database.db, [deleted]);
    const rows = await changesOf(database, 'user_f1');
    expect(rows.map((r) => [r.entity, r.op, r.version, r.source])).toEqual([
      ['users', 'insert', T0, created.svixId],
      ['users', 'update', T0 + 10, updated.svixId],
      ['users', 'delete', T0 + 20, deleted.svixId],
    ]);
    expect(rows[0]?.changed_fields).toEqual(expect.arrayContaining(['email', 'first_name', 'created_at']));
    expect(rows[1]?.changed_fields).toEqual(expect.arrayContaining(['first_name', 'updated_at']));
    expect(rows[2]?.changed_fields).toEqual(expect.arrayContaining(['deleted_at', 'email']));
    const seqs = rows.map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('records backfill and reconcile writes with that source, and hard deletes as delete', async () => {
    const snapshot = (id: string, version: number) =>
      entityChangeFor(
        { type: 'user.updated', data: clerkObject(user(id), version) } as never,
        version,
        defaultPrivacy,
      );
    await applyChanges(database.db, [snapshot('user_f2', T0)], { instanceId: TEST_INSTANCE_ID });
    await applyChanges(database.db, [snapshot('user_f2', T0 + 1)], {
      instanceId: TEST_INSTANCE_ID,
      source: 'reconcile',
    });
    const hard = { ...defaultPrivacy, userDeletion: 'hard' as const };
    await applyEvents(database.db, [deliver(makeEvent(user('user_f2'), 'deleted', T0 + 2))], {
      privacy: hard,
    });
    const rows = await changesOf(database, 'user_f2');
    expect(rows.map((r) => [r.op, r.source])).toEqual([
      ['insert', 'backfill'],
      ['update', 'reconcile'],
      ['delete', expect.stringMatching(/^msg_feed_/)],
    ]);
  });

  it('holds field names only, never a personal value', async () => {
    const event = makeEvent(user('user_f3'), 'created', T0);
    await applyEvents(database.db, [deliver(event)]);
    const { rows } = await sql<{ row: unknown }>`
      SELECT to_jsonb(c) AS row FROM ${sql.table(`${database.schema}.changes`)} c`.execute(database.db);
    const text = JSON.stringify(rows);
    const data = event.data as { first_name: string; last_name: string; username: string };
    for (const value of ['user_f3.', data.first_name, data.last_name, data.username, 'img.clerk.test'])
      expect(text).not.toContain(value);
    expect(text).toContain('"first_name"');
  });
});

describe('the change feed on Postgres, across connections', () => {
  let database: ClerkDatabase;
  const listener = new pg.Client({ connectionString: testDatabaseUrl });
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    await listener.connect();
    await listener.query('LISTEN clerk_changes');
  });
  afterAll(async () => {
    await listener.end();
    await database?.close();
  });

  it('notifies clerk_changes after commit with schema, seq, entity, id and op', async () => {
    const received: unknown[] = [];
    listener.on('notification', (m) => {
      const payload = JSON.parse(m.payload ?? '{}') as { schema?: string };
      if (payload.schema === database.schema) received.push(payload);
    });
    await applyEvents(database.db, [deliver(makeEvent(user('user_n1'), 'created', T0))]);
    const [row] = await changesOf(database, 'user_n1');
    await expect
      .poll(() => received)
      .toEqual([{ schema: database.schema, seq: row?.seq, entity: 'users', id: 'user_n1', op: 'insert' }]);
  });

  it('numbers changes in commit order, not in the order they were written', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written = () => {};
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const snapshot = entityChangeFor(
      { type: 'user.updated', data: clerkObject(user('user_early'), T0) } as never,
      T0,
      defaultPrivacy,
    );
    // Writes first, commits last.
    const early = applyChanges(database.db, [snapshot], {
      instanceId: TEST_INSTANCE_ID,
      alsoInTransaction: async () => {
        written();
        await held;
      },
    });
    await wrote;
    await applyEvents(database.db, [deliver(makeEvent(user('user_late'), 'created', T0))]);
    release();
    await early;
    const [late] = await changesOf(database, 'user_late');
    const [first] = await changesOf(database, 'user_early');
    expect(late?.seq).toBeLessThan(first?.seq ?? 0);
  });
});

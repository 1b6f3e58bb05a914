import { prepareEvent, snapshotEvent } from '@clerk-sync/events';
import { loadWebhookExamples, makeEvent, TEST_INSTANCE_ID } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { applyChanges, applyEvents } from './apply/apply-events.js';
import { entityChangeFor } from './apply/handlers.js';
import { defaultPrivacy } from './apply/privacy.js';
import { migrateToLatest } from './migrate.js';
import { type ClerkDatabase, openDatabase } from './open-database.js';
import { backends, testDatabaseUrl, uniqueSchema } from './testing/test-database.js';

const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_sp_${++n}`, receivedAt: Date.now(), event: event as never });
const email = structuredClone(loadWebhookExamples().find((e) => e.file === 'email.created.json')?.event) as {
  data: Record<string, unknown>;
};

/** Rows per table of `schema`, for the tables every write path touches (the triggers' included). */
async function rowCounts(database: ClerkDatabase, schema: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'users',
    'organizations',
    'webhook_events',
    'audit_log',
    'messages',
    'tombstones',
    'sync_state',
  ]) {
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM ${sql.table(`${schema}.${table}`)}`.execute(database.db);
    counts[table] = rows[0]?.n ?? -1;
  }
  return counts;
}

/**
 * A transaction-mode pooler gives each transaction whichever server session is free, so nothing may
 * depend on a session's `search_path`. Here every session's `search_path` names a decoy schema with
 * the same tables: any unqualified name, in our SQL or in a trigger function, would land there.
 */
describe.each(backends)('SQL that names its schema (%s)', (backend) => {
  const decoy = uniqueSchema('decoy');
  const schema = uniqueSchema();
  const opened: ClerkDatabase[] = [];
  afterAll(async () => {
    const [first] = opened;
    if (backend === 'postgres' && first) {
      for (const s of [decoy, schema])
        await sql`DROP SCHEMA IF EXISTS ${sql.id(s)} CASCADE`.execute(first.db);
    }
    for (const database of opened) await database.close();
  });

  it('migrates, applies, backfills and reads in DB_SCHEMA while the session search_path points elsewhere', async () => {
    let database: ClerkDatabase;
    if (backend === 'postgres') {
      const decoyDb = await openDatabase({
        databaseUrl: testDatabaseUrl,
        schema: decoy,
        pgliteDir: '',
        poolSize: 1,
      });
      opened.push(decoyDb);
      await migrateToLatest(decoyDb.db, decoy);
      const url = new URL(testDatabaseUrl);
      url.searchParams.set('options', `-c search_path=${decoy}`);
      database = await openDatabase({ databaseUrl: url.toString(), schema, pgliteDir: '', poolSize: 3 });
      opened.push(database);
      const { rows } = await sql<{ path: string }>`SELECT current_setting('search_path') AS path`.execute(
        database.db,
      );
      expect(rows[0]?.path).toBe(decoy);
    } else {
      database = await openDatabase({ databaseUrl: undefined, schema, pgliteDir: 'memory://', poolSize: 1 });
      opened.push(database);
      await migrateToLatest(database.db, decoy);
      await sql`SET search_path TO ${sql.id(decoy)}`.execute(database.db);
    }

    expect((await migrateToLatest(database.db, schema)).applied.length).toBeGreaterThan(0);
    const hard = { kind: 'user' as const, id: 'user_sp_hard', createdAt: T0 };
    const soft = { kind: 'user' as const, id: 'user_sp_soft', createdAt: T0 };
    const org = { kind: 'organization' as const, id: 'org_sp', createdAt: T0 };
    Object.assign(email.data, { id: 'ema_sp', user_id: soft.id, to_email_address: 'sp@example.test' });
    await applyEvents(database.db, [
      deliver(makeEvent(hard, 'created', T0)),
      deliver(makeEvent(soft, 'created', T0)),
      deliver(makeEvent(org, 'created', T0)),
      deliver(email),
    ]);
    await applyEvents(database.db, [deliver(makeEvent(soft, 'deleted', T0 + 5))]);
    await applyEvents(database.db, [deliver(makeEvent(hard, 'deleted', T0 + 5))], {
      privacy: { ...defaultPrivacy, userDeletion: 'hard' },
    });
    const snapshot = makeEvent({ kind: 'user', id: 'user_sp_backfilled', createdAt: T0 }, 'created', T0).data;
    const { event, version } = snapshotEvent('user', snapshot, { now: T0 });
    await applyChanges(database.db, [entityChangeFor(event, version)], {
      instanceId: TEST_INSTANCE_ID,
      alsoInTransaction: async (trx) => {
        await trx.insertInto('sync_state').values({ object_type: 'users', next_offset: 1 }).execute();
      },
    });

    expect(await rowCounts(database, decoy)).toEqual({
      users: 0,
      organizations: 0,
      webhook_events: 0,
      audit_log: 0,
      messages: 0,
      tombstones: 0,
      sync_state: 0,
    });
    const counts = await rowCounts(database, schema);
    expect(counts).toMatchObject({
      users: 2,
      organizations: 1,
      webhook_events: 6,
      messages: 1,
      tombstones: 1,
      sync_state: 1,
    });
    // create ×4 (two users, the org, the backfilled user), soft delete, hard delete (via tombstones).
    expect(counts.audit_log).toBe(6);
    const live = await database.db.selectFrom('users').select('id').where('deleted_at', 'is', null).execute();
    expect(live).toEqual([{ id: 'user_sp_backfilled' }]);
    const signups = await database.db.selectFrom('signups_per_week').selectAll().execute();
    expect(signups.reduce((sum, r) => sum + r.signups, 0)).toBe(2);
  });
});

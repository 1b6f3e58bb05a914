import { type PreparedEvent, prepareEvent, snapshotEvent } from '@clerk-sync/events';
import { type ClerkEnvelope, type FactoryEntity, loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database.js';
import { adoptRows, countUnadopted } from '../instances/adopt-rows.js';
import { migrateToLatest } from '../migrate.js';
import { migrations } from '../migrations/index.js';
import { type ClerkDatabase, openDatabase } from '../open-database.js';
import { backends, openTestDatabase, testDatabaseUrl, uniqueSchema } from '../testing/test-database.js';
import { type ApplyOptions, applyChanges, applyEvents } from './apply-events.js';
import { entityChangeFor } from './handlers.js';
import { defaultPrivacy } from './privacy.js';

/**
 * Issue #18: every row records the Clerk instance it came from, and an event of instance B never
 * writes instance A's rows. A refused event is a `conflict` that names the owner and leaves no trace
 * (not even its inbox row), so that it applies when replayed once the owner's row is gone.
 */

const A = 'ins_alpha1';
const B = 'ins_bravo2';
const T0 = 1_765_000_000_000;
const hard = { privacy: { ...defaultPrivacy, userDeletion: 'hard' as const } };

let n = 0;
/** A delivery as the worker hands it over: the envelope names `instanceId`, and so does the route. */
function deliver(event: ClerkEnvelope | Record<string, unknown>, instanceId: string | null): PreparedEvent {
  const envelope = { ...event, instance_id: instanceId ?? undefined };
  const prepared = prepareEvent({
    v: 1,
    svixId: `msg_ins_${++n}`,
    receivedAt: Date.now(),
    event: envelope as never,
  });
  return { ...prepared, instanceId };
}
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });
const example = (name: string) => {
  const found = loadWebhookExamples().find((e) => e.file === `${name}.json`)?.event;
  if (!found) throw new Error(`no example ${name}`);
  return structuredClone(found) as unknown as Record<string, unknown> & { data: Record<string, unknown> };
};

describe.each(backends)('rows of several Clerk instances, on %s', (backend) => {
  let database: ClerkDatabase;
  let db: Kysely<Database>;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    db = database.db;
  });
  afterAll(async () => {
    await database?.close();
  });

  const table = (name: string) => sql.table(`${database.schema}.${name}`);
  /** The whole row as Postgres renders it, to compare byte for byte; undefined when absent. */
  const rowText = async (name: string, id: string) =>
    (
      await sql<{
        row: string;
      }>`SELECT to_jsonb(t)::text AS row FROM ${table(name)} t WHERE t.id = ${id}`.execute(db)
    ).rows[0]?.row;
  const instanceOf = async (name: string, id: string) =>
    (
      await sql<{
        instance_id: string | null;
      }>`SELECT instance_id FROM ${table(name)} WHERE id = ${id}`.execute(db)
    ).rows[0]?.instance_id;
  const inbox = async (svixId: string) =>
    (
      await sql<{ instance_id: string | null; outcome: string | null }>`
        SELECT instance_id, outcome FROM ${table('webhook_events')} WHERE svix_id = ${svixId}`.execute(db)
    ).rows[0];
  const tombstoneOf = async (id: string) =>
    (
      await sql<{ instance_id: string | null }>`
        SELECT instance_id FROM ${table('tombstones')} WHERE entity = 'users' AND id = ${id}`.execute(db)
    ).rows[0];
  const apply = async (events: PreparedEvent[], options?: ApplyOptions) => applyEvents(db, events, options);

  describe('what rows record', () => {
    it("records the event's instance on users, memberships, the inbox row and messages", async () => {
      const membership: FactoryEntity = {
        kind: 'organization_membership',
        id: 'orgmem_rec_1',
        createdAt: T0,
        userId: 'user_rec_1',
        organizationId: 'org_rec_1',
      };
      const email = example('email.created');
      Object.assign(email.data, { id: 'ema_rec_1', user_id: 'user_rec_1' });
      const events = [
        deliver(makeEvent(user('user_rec_1'), 'created', T0), A),
        deliver(makeEvent(membership, 'created', T0), B),
        deliver(email, A),
      ];
      expect((await apply(events)).map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
      expect(await instanceOf('users', 'user_rec_1')).toBe(A);
      expect(await instanceOf('organization_memberships', 'orgmem_rec_1')).toBe(B);
      expect(await instanceOf('messages', 'ema_rec_1')).toBe(A);
      expect(await Promise.all(events.map((e) => inbox(e.svixId)))).toEqual([
        { instance_id: A, outcome: 'applied' },
        { instance_id: B, outcome: 'applied' },
        { instance_id: A, outcome: 'applied' },
      ]);
      const live = await sql<{ instance_id: string }>`
        SELECT instance_id FROM ${table('users_live')} WHERE id = 'user_rec_1'`.execute(db);
      expect(live.rows).toEqual([{ instance_id: A }]);
    });

    it('records the instance on the hard-delete tombstone (USER_DELETION=hard)', async () => {
      await apply([deliver(makeEvent(user('user_rec_hard'), 'created', T0), B)], hard);
      const [deleted] = await apply([deliver(makeEvent(user('user_rec_hard'), 'deleted', T0 + 5), B)], hard);
      expect(deleted?.outcome).toBe('applied');
      expect(await rowText('users', 'user_rec_hard')).toBeUndefined();
      expect(await tombstoneOf('user_rec_hard')).toEqual({ instance_id: B });
    });
  });

  describe("instance B against instance A's row", () => {
    /** B's events for a row A created at T0 (A's row is at version T0 + 1 after an update). */
    const refusals = [
      { what: 'a newer update', event: (id: string) => makeEvent(user(id), 'updated', T0 + 10), options: {} },
      {
        what: 'an anonymizing delete',
        event: (id: string) => makeEvent(user(id), 'deleted', T0 + 10),
        options: {},
      },
      {
        what: 'a hard delete',
        event: (id: string) => makeEvent(user(id), 'deleted', T0 + 10),
        options: hard,
      },
    ];

    it.each(refusals)(
      'refuses $what: conflict naming the owner, nothing written, and a replay applies once the row is gone',
      async ({ event, options }) => {
        const id = `user_cf_${++n}`;
        await apply([deliver(makeEvent(user(id), 'created', T0), A)], options);
        await apply([deliver(makeEvent(user(id), 'updated', T0 + 1), A)], options);
        const before = await rowText('users', id);
        expect(before).toBeDefined();

        const refused = deliver(event(id), B);
        expect(await apply([refused], options)).toEqual([
          {
            svixId: refused.svixId,
            outcome: 'conflict',
            conflict: { table: 'users', id, owner: A, writer: B },
          },
        ]);
        expect(await rowText('users', id)).toBe(before);
        expect(await inbox(refused.svixId)).toBeUndefined();
        expect(await tombstoneOf(id)).toBeUndefined();

        await sql`DELETE FROM ${table('users')} WHERE id = ${id}`.execute(db);
        const [replayed] = await apply([refused], options);
        expect(replayed?.outcome).toBe('applied');
        expect(await inbox(refused.svixId)).toEqual({ instance_id: B, outcome: 'applied' });
        if (options === hard) expect(await tombstoneOf(id)).toEqual({ instance_id: B });
        else expect(await instanceOf('users', id)).toBe(B);
      },
    );

    it("does not fill immutable facts into A's tombstone from B's older event (conflict, not stale)", async () => {
      const id = 'user_cf_fill';
      // A's delete came first: its tombstone lacks created_at, which any later-arriving create would fill.
      await apply([deliver(makeEvent(user(id), 'deleted', T0 + 5), A)]);
      const before = await rowText('users', id);
      expect(JSON.parse(before ?? '{}')).toMatchObject({ created_at: null, instance_id: A });

      const stale = deliver(makeEvent(user(id), 'created', T0), B);
      const [result] = await apply([stale]);
      expect(result).toMatchObject({ outcome: 'conflict', conflict: { owner: A, writer: B } });
      expect(await rowText('users', id)).toBe(before);
      expect(await inbox(stale.svixId)).toBeUndefined();

      // The same event from A itself is stale and fills created_at in.
      const [own] = await apply([deliver(makeEvent(user(id), 'created', T0), A)]);
      expect(own?.outcome).toBe('stale');
      expect(JSON.parse((await rowText('users', id)) ?? '{}')).toMatchObject({
        created_at: expect.any(String),
      });
    });

    it("refuses B's upsert of a user A hard-deleted, naming A from the tombstone", async () => {
      const id = 'user_cf_tomb';
      await apply([deliver(makeEvent(user(id), 'created', T0), A)], hard);
      await apply([deliver(makeEvent(user(id), 'deleted', T0 + 5), A)], hard);
      const refused = deliver(makeEvent(user(id), 'updated', T0 + 10), B);
      const [result] = await apply([refused], hard);
      expect(result).toMatchObject({
        outcome: 'conflict',
        conflict: { table: 'users', id, owner: A, writer: B },
      });
      expect(await rowText('users', id)).toBeUndefined();
      expect(await tombstoneOf(id)).toEqual({ instance_id: A });
    });
  });

  it('lets the first instance claim a row that records none, then refuses another', async () => {
    const id = 'user_claim_1';
    await apply([deliver(makeEvent(user(id), 'created', T0), A)]);
    await sql`UPDATE ${table('users')} SET instance_id = NULL WHERE id = ${id}`.execute(db);

    const [claimed] = await apply([deliver(makeEvent(user(id), 'updated', T0 + 1), B)]);
    expect(claimed?.outcome).toBe('applied');
    expect(await instanceOf('users', id)).toBe(B);

    const [refused] = await apply([deliver(makeEvent(user(id), 'updated', T0 + 2), A)]);
    expect(refused).toMatchObject({ outcome: 'conflict', conflict: { owner: B, writer: A } });
  });

  it('lets a stale event of another instance claim nothing and stay stale on an unowned row', async () => {
    const id = 'user_claim_stale';
    await apply([deliver(makeEvent(user(id), 'updated', T0 + 5), A)]);
    await sql`UPDATE ${table('users')} SET instance_id = NULL WHERE id = ${id}`.execute(db);
    const [stale] = await apply([deliver(makeEvent(user(id), 'updated', T0 + 1), B)]);
    expect(stale?.outcome).toBe('stale');
    expect(await instanceOf('users', id)).toBeNull();
  });

  it("refuses a writer that names no instance on A's row (it cannot prove the row is its own), and lets it write rows of none", async () => {
    const id = 'user_nullwriter';
    await apply([deliver(makeEvent(user(id), 'created', T0), A)]);
    const before = await rowText('users', id);
    const anonymous = deliver(makeEvent(user(id), 'updated', T0 + 1), null);
    const [refused] = await apply([anonymous]);
    expect(refused?.outcome).toBe('conflict');
    expect(refused?.conflict).toEqual({ table: 'users', id, owner: A, writer: null });
    expect(await rowText('users', id)).toBe(before);
    expect(await inbox(anonymous.svixId)).toBeUndefined();
    const [deleted] = await apply([deliver(makeEvent(user(id), 'deleted', T0 + 2), null)], hard);
    expect(deleted?.outcome).toBe('conflict');
    expect(await rowText('users', id)).toBe(before);
    expect(await tombstoneOf(id)).toBeUndefined();

    const fresh = 'user_nullwriter_fresh';
    const [created] = await apply([deliver(makeEvent(user(fresh), 'created', T0), null)]);
    expect(created?.outcome).toBe('applied');
    expect(await instanceOf('users', fresh)).toBeNull();
    expect((await apply([deliver(makeEvent(user(fresh), 'updated', T0 + 1), null)]))[0]?.outcome).toBe(
      'applied',
    );
  });

  it.each([
    ['A then B', [A, B]],
    ['B then A', [B, A]],
  ])(
    'applies one and refuses the other when A and B name one id in the same batch (%s)',
    async (_, order) => {
      const id = `user_batch_${order.join('')}`;
      const [first, second] = order.map((ins) => deliver(makeEvent(user(id), 'created', T0), ins));
      if (!first || !second) throw new Error('two events expected');
      const results = await apply([first, second]);
      expect(results.map((r) => r.outcome)).toEqual(['applied', 'conflict']);
      expect(results[1]?.conflict).toEqual({ table: 'users', id, owner: order[0], writer: order[1] });
      expect(await instanceOf('users', id)).toBe(order[0]);
      expect(await inbox(first.svixId)).toMatchObject({ outcome: 'applied' });
      expect(await inbox(second.svixId)).toBeUndefined();
    },
  );

  it('applies one and refuses the other when A updates and B deletes one id in the same batch', async () => {
    const id = 'user_batch_mixed';
    await apply([deliver(makeEvent(user(id), 'created', T0), A)]);
    const before = await rowText('users', id);
    const results = await apply(
      [
        deliver(makeEvent(user(id), 'deleted', T0 + 9), B),
        deliver(makeEvent(user(id), 'updated', T0 + 1), A),
      ],
      hard,
    );
    expect(results.map((r) => r.outcome)).toEqual(['conflict', 'applied']);
    expect(await rowText('users', id)).not.toBe(before);
    expect(await instanceOf('users', id)).toBe(A);
    expect(await tombstoneOf(id)).toBeUndefined();
  });

  it("refuses a snapshot (applyChanges) of another instance's row and writes nothing", async () => {
    const id = 'user_snap_1';
    await apply([deliver(makeEvent(user(id), 'created', T0), A)]);
    const before = await rowText('users', id);
    const snapshot = (v: number) => {
      const { event, version } = snapshotEvent('user', makeEvent(user(id), 'updated', v).data, { now: v });
      return entityChangeFor(event, version);
    };
    expect(await applyChanges(db, [snapshot(T0 + 10)], { instanceId: B })).toEqual(['conflict']);
    expect(await rowText('users', id)).toBe(before);
    expect(await applyChanges(db, [snapshot(T0 + 10)], { instanceId: A })).toEqual(['applied']);
    expect(await instanceOf('users', id)).toBe(A);
    // A key Clerk would not name cannot prove the row is its instance's either.
    expect(await applyChanges(db, [snapshot(T0 + 11)], { instanceId: null })).toEqual(['conflict']);
    expect(await instanceOf('users', id)).toBe(A);
  });
});

describe.each(backends)('adopting rows that record no instance, on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });
  const table = (name: string) => sql.table(`${database.schema}.${name}`);

  it('counts and adopts them in batches with progress, touches rows of instances, and adopts nothing the second time', async () => {
    const { db } = database;
    const events = [
      ...[1, 2, 3, 4, 5].map((i) => deliver(makeEvent(user(`user_ad_${i}`), 'created', T0), A)),
      deliver(makeEvent({ kind: 'organization', id: 'org_ad_1', createdAt: T0 }, 'created', T0), A),
      deliver(makeEvent(user('user_ad_owned'), 'created', T0), B),
    ];
    await applyEvents(db, events);
    await applyEvents(db, [deliver(makeEvent(user('user_ad_gone'), 'deleted', T0), A)], hard);
    expect(await countUnadopted(db)).toEqual({});
    const orphans = events.slice(0, 6).map((e) => e.svixId);
    await sql`UPDATE ${table('users')} SET instance_id = NULL WHERE id LIKE 'user_ad_%' AND id <> 'user_ad_owned'`.execute(
      db,
    );
    await sql`UPDATE ${table('organizations')} SET instance_id = NULL`.execute(db);
    await sql`UPDATE ${table('tombstones')} SET instance_id = NULL`.execute(db);
    await sql`UPDATE ${table('webhook_events')} SET instance_id = NULL WHERE svix_id IN (${sql.join(orphans)})`.execute(
      db,
    );
    expect(await countUnadopted(db)).toEqual({
      users: 5,
      organizations: 1,
      webhook_events: 6,
      tombstones: 1,
    });

    const progress: Array<[string, number]> = [];
    const adopted = await adoptRows(db, 'ins_charlie3', {
      batchSize: 2,
      onProgress: (t, total) => progress.push([t, total]),
    });
    expect(adopted).toEqual({ users: 5, organizations: 1, webhook_events: 6, tombstones: 1 });
    expect(progress).toEqual([
      ['users', 2],
      ['users', 4],
      ['users', 5],
      ['organizations', 1],
      ['webhook_events', 2],
      ['webhook_events', 4],
      ['webhook_events', 6],
      ['tombstones', 1],
    ]);
    expect(await countUnadopted(db)).toEqual({});
    const owners = await sql<{ id: string; instance_id: string }>`
      SELECT id, instance_id FROM ${table('users')} WHERE id LIKE 'user_ad_%' ORDER BY id`.execute(db);
    expect(owners.rows).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => ({ id: `user_ad_${i}`, instance_id: 'ins_charlie3' })),
      { id: 'user_ad_owned', instance_id: B },
    ]);
    expect(await adoptRows(db, A, { batchSize: 2, onProgress: () => progress.push(['again', 0]) })).toEqual(
      {},
    );
    expect(progress).toHaveLength(8);
  });

  it('leaves rows written before the instances migration with instance_id NULL', async () => {
    const schema = uniqueSchema('pre_ins');
    const old = await openDatabase({
      databaseUrl: backend === 'postgres' ? testDatabaseUrl : undefined,
      schema,
      pgliteDir: 'memory://',
      poolSize: 2,
    });
    try {
      await old.db
        .withoutPlugins()
        .transaction()
        .execute(async (trx) => {
          await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx);
          await sql`SELECT set_config('search_path', ${sql.lit(`"${schema}"`)}, true)`.execute(trx);
          const before = Object.fromEntries(
            Object.entries(migrations).filter(([name]) => name < '2026-11-24T2200'),
          );
          const migrator = new Migrator({
            db: trx,
            provider: { getMigrations: async () => before },
            migrationTableSchema: schema,
          });
          const { error } = await migrator.migrateToLatest();
          if (error) throw error;
        });
      const users = sql.table(`${schema}.users`);
      await sql`INSERT INTO ${users} (id, version, created_at) VALUES ('user_old_1', 1, now())`.execute(
        old.db,
      );
      expect((await migrateToLatest(old.db, schema)).applied).toEqual(['2026-11-24T2200-instances']);
      const row = await sql<{ instance_id: string | null }>`
        SELECT instance_id FROM ${users} WHERE id = 'user_old_1'`.execute(old.db);
      expect(row.rows).toEqual([{ instance_id: null }]);
      expect(await countUnadopted(old.db)).toEqual({ users: 1 });
    } finally {
      if (backend === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(old.db);
      await old.close();
    }
  });
});

/** One entity's history in its instance: created, `updates` updates, then maybe deleted. */
interface EntitySpec {
  kind: 'user' | 'organization';
  updates: number;
  deleted: boolean;
}
const entitySpec = fc.record({
  kind: fc.constantFrom('user' as const, 'organization' as const),
  updates: fc.integer({ min: 0, max: 3 }),
  deleted: fc.boolean(),
});

describe.each(backends)('two instances interleaved, on %s', (backend) => {
  let alone: ClerkDatabase;
  let mixed: ClerkDatabase;
  beforeAll(async () => {
    alone = await openTestDatabase(backend);
    mixed = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await alone?.close();
    await mixed?.close();
  });

  let run = 0;
  const history = (instanceId: string, tag: string, specs: EntitySpec[]) =>
    specs.flatMap(({ kind, updates, deleted }, i) => {
      const entity: FactoryEntity = {
        kind,
        id: `${kind === 'user' ? 'user' : 'org'}_${tag}_${i}`,
        createdAt: T0,
      };
      const events = [makeEvent(entity, 'created', T0)];
      for (let u = 1; u <= updates; u++) events.push(makeEvent(entity, 'updated', T0 + u));
      if (deleted) events.push(makeEvent(entity, 'deleted', T0 + updates + 1));
      return events.map((e) => ({ id: entity.id, kind, event: deliver(e, instanceId) }));
    });
  const rows = async (database: ClerkDatabase, name: 'users' | 'organizations', ids: string[]) =>
    ids.length === 0
      ? []
      : (
          await sql<{ row: string }>`
            SELECT to_jsonb(t)::text AS row FROM ${sql.table(`${database.schema}.${name}`)} t
            WHERE t.id IN (${sql.join(ids)}) ORDER BY t.id`.execute(database.db)
        ).rows.map((r) => r.row);

  it('ends in the rows of applying each instance alone, for any interleaving and batching of their histories', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entitySpec, { minLength: 1, maxLength: 3 }),
        fc.array(entitySpec, { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 30, maxLength: 30 }),
        async (specsA, specsB, picks, sizes) => {
          const r = ++run;
          const a = history(A, `a${r}`, specsA);
          const b = history(B, `b${r}`, specsB);
          for (const { event } of [...a, ...b]) await applyEvents(alone.db, [event]);

          const merged: PreparedEvent[] = [];
          let [i, j, k] = [0, 0, 0];
          while (i < a.length || j < b.length) {
            const takeA = j >= b.length || (i < a.length && (picks[k++ % picks.length] ?? true));
            const next = takeA ? a[i++] : b[j++];
            if (next) merged.push(next.event);
          }
          for (let at = 0, s = 0; at < merged.length; s++) {
            const size = sizes[s % sizes.length] ?? 1;
            const results = await applyEvents(mixed.db, merged.slice(at, at + size));
            expect(results.map((x) => x.outcome)).not.toContain('conflict');
            at += size;
          }

          for (const name of ['users', 'organizations'] as const) {
            const kind = name === 'users' ? 'user' : 'organization';
            const ids = [...new Set([...a, ...b].filter((e) => e.kind === kind).map((e) => e.id))].sort();
            const expected = await rows(alone, name, ids);
            expect(expected).toHaveLength(ids.length);
            expect(await rows(mixed, name, ids)).toEqual(expected);
          }
          const mine = [...a.map((e) => ({ id: e.id, owner: A })), ...b.map((e) => ({ id: e.id, owner: B }))];
          const owners = await sql<{ id: string; instance_id: string }>`
            SELECT id, instance_id FROM ${sql.table(`${mixed.schema}.users`)}
            WHERE id IN (${sql.join(mine.map((m) => m.id))}) UNION ALL
            SELECT id, instance_id FROM ${sql.table(`${mixed.schema}.organizations`)}
            WHERE id IN (${sql.join(mine.map((m) => m.id))})`.execute(mixed.db);
          expect(owners.rows).toHaveLength(specsA.length + specsB.length);
          for (const o of owners.rows) expect(o.instance_id).toBe(mine.find((m) => m.id === o.id)?.owner);
        },
      ),
      { numRuns: 15 },
    );
  });
});

import { type HandledEvent, prepareEvent } from '@clerk-sync/events';
import { type FactoryEntity, makeEvent, TEST_INSTANCE_ID } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { userTable } from '../tables/user.table.js';
import { openTestDatabase } from '../testing/test-database.js';
import { applyChanges, applyEvents } from './apply-events.js';
import { entityChangeFor, tombstone } from './handlers.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

const T0 = 1_770_000_000_000;
const hard: PrivacyOptions = { ...defaultPrivacy, userDeletion: 'hard' };
let n = 0;
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });

/**
 * `USER_DELETION=hard` leaves no row to guard, only an entry in `tombstones`, which a concurrent
 * writer cannot see until the deleting transaction commits. These tests hold a hard delete open on
 * one connection while another applies an older update, the way a second worker or the backfill
 * would. Postgres only: PGlite has a single connection, so its writers never overlap.
 */
describe('USER_DELETION=hard against a concurrent older update (postgres)', () => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  /**
   * Backends waiting on a lock in a statement of this schema, or on a row lock of the apply path
   * (whose keys travel as parameters): the second writer is blocked.
   */
  const waiting = async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'
        AND (query LIKE ${`%${database.schema}%`} OR query LIKE '%pg_advisory_xact_lock(l."key")%')`.execute(
      database.db,
    );
    return rows[0]?.n ?? 0;
  };

  /**
   * Opens the hard delete, starts `concurrent` once the delete's rows are written but uncommitted,
   * lets the delete commit when `concurrent` has either finished or is seen waiting for a lock, and
   * returns both outcomes.
   */
  async function race(
    id: string,
    concurrent: () => Promise<string>,
  ): Promise<{ deleted: string; other: string }> {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = () => {};
    const inside = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const deleting = applyChanges(database.db, [tombstone(userTable, id, T0 + 10)], {
      instanceId: TEST_INSTANCE_ID,
      privacy: hard,
      source: 'reconcile',
      alsoInTransaction: async () => {
        reached();
        await released;
      },
    });
    await inside;
    let settled = false;
    const other = concurrent().finally(() => {
      settled = true;
    });
    const deadline = Date.now() + 5_000;
    while (!settled && (await waiting()) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    const [[deleted = 'missing'], otherOutcome] = await Promise.all([deleting, other]);
    return { deleted, other: otherOutcome };
  }

  const state = async (id: string) => ({
    rows: (await database.db.selectFrom('users').select(['id', 'version']).where('id', '=', id).execute())
      .length,
    tombstones: (
      await sql`SELECT 1 FROM ${sql.table(`${database.schema}.tombstones`)} WHERE entity = 'users' AND id = ${id}`.execute(
        database.db,
      )
    ).rows.length,
  });

  const viaWebhook = (id: string) => async () => {
    const event = makeEvent(user(id), 'updated', T0 + 5);
    const prepared = prepareEvent({
      v: 1,
      svixId: `msg_race_${++n}`,
      receivedAt: Date.now(),
      event: event as never,
    });
    const [result] = await applyEvents(database.db, [prepared], { privacy: hard });
    return result?.outcome ?? 'missing';
  };
  const viaBackfill = (id: string) => async () => {
    const change = entityChangeFor(
      makeEvent(user(id), 'updated', T0 + 5) as unknown as HandledEvent,
      T0 + 5,
      hard,
    );
    const [outcome] = await applyChanges(database.db, [change], {
      instanceId: TEST_INSTANCE_ID,
      privacy: hard,
    });
    return outcome ?? 'missing';
  };

  for (const [path, writer] of [
    ['a webhook', viaWebhook],
    ['the backfill', viaBackfill],
  ] as const) {
    it(`an older update from ${path} cannot bring back a user whose hard delete commits meanwhile`, async () => {
      const id = `user_race_known_${path.replace(/\W/g, '')}`;
      const created = prepareEvent({
        v: 1,
        svixId: `msg_race_${++n}`,
        receivedAt: Date.now(),
        event: makeEvent(user(id), 'created', T0) as never,
      });
      await applyEvents(database.db, [created], { privacy: hard });

      const outcomes = await race(id, writer(id));

      expect(outcomes).toEqual({ deleted: 'applied', other: 'stale' });
      expect(await state(id)).toEqual({ rows: 0, tombstones: 1 });
    });

    it(`an older update from ${path} cannot create a user whose first event, a hard delete, commits meanwhile`, async () => {
      const id = `user_race_unknown_${path.replace(/\W/g, '')}`;

      const outcomes = await race(id, writer(id));

      expect(outcomes).toEqual({ deleted: 'applied', other: 'stale' });
      expect(await state(id)).toEqual({ rows: 0, tombstones: 1 });
    });
  }
});

import { type PreparedEvent, prepareEvent, snapshotEvent } from '@clerk-sync/events';
import {
  clerkObject,
  type FactoryEntity,
  loadWebhookExamples,
  makeEvent,
  TEST_INSTANCE_ID,
} from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyChanges, applyEvents } from './apply-events.js';
import { entityChangeFor } from './handlers.js';
import { defaultPrivacy } from './privacy.js';

/**
 * Changes of equal version are ordered by the envelope timestamp, then by the svix-id, so the row
 * ends the same whichever arrives last (issue #16).
 */

const deliver = (event: unknown, svixId: string): PreparedEvent =>
  prepareEvent({ v: 1, svixId, receivedAt: Date.now(), event: event as never });

const T0 = 1_750_000_000_000;
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });

/** One of Clerk's published examples, with its own id so that tests do not share rows. */
function example(name: string, id: string): { timestamp: number; data: Record<string, unknown> } {
  const found = loadWebhookExamples().find((e) => e.file === `${name}.json`);
  if (!found) throw new Error(`no example ${name}`);
  const event = structuredClone(found.event) as { timestamp: number; data: Record<string, unknown> };
  event.data.id = id;
  return event;
}

describe.each(backends)('ties on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  const row = (table: 'users' | 'sessions' | 'organizations', id: string) =>
    database.db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();

  describe("Clerk's session.created and session.ended examples, which share updated_at", () => {
    it('end the session when session.ended is delivered before session.created', async () => {
      const created = example('session.created', 'sess_ties_1');
      const ended = example('session.ended', 'sess_ties_1');
      // Equal envelope timestamps too (1716883200 s): the svix-id decides. Svix ids are KSUIDs that
      // begin with their creation time, so session.created's, issued first, sorts first.
      expect(created.timestamp).toBe(ended.timestamp);
      const [first] = await applyEvents(database.db, [deliver(ended, 'msg_2pKsUf0Ended')]);
      const [second] = await applyEvents(database.db, [deliver(created, 'msg_2pKsUe9Created')]);
      expect([first?.outcome, second?.outcome]).toEqual(['applied', 'stale']);
      expect(await row('sessions', 'sess_ties_1')).toMatchObject({
        status: 'ended',
        version: 1_716_883_200_000,
        event_ts: 1_716_883_200_000,
        svix_id: 'msg_2pKsUf0Ended',
        last_event_id: 'msg_2pKsUf0Ended',
      });
    });

    it('end the session when both arrive in one batch, ended first', async () => {
      const created = example('session.created', 'sess_ties_2');
      const ended = example('session.ended', 'sess_ties_2');
      const results = await applyEvents(database.db, [
        deliver(ended, 'msg_2pKsUf1Ended'),
        deliver(created, 'msg_2pKsUe8Created'),
      ]);
      expect(results.map((r) => r.outcome)).toEqual(['applied', 'stale']);
      expect(await row('sessions', 'sess_ties_2')).toMatchObject({ status: 'ended' });
    });

    it('let the later envelope timestamp win before the svix-id is looked at', async () => {
      // Live deliveries carry milliseconds: here the end came 40 ms after the creation, and its
      // svix-id happens to sort first.
      const created = example('session.created', 'sess_ties_3');
      const ended = example('session.ended', 'sess_ties_3');
      created.timestamp = 1_716_883_200_010;
      ended.timestamp = 1_716_883_200_050;
      await applyEvents(database.db, [deliver(ended, 'msg_2pKsUa')]);
      await applyEvents(database.db, [deliver(created, 'msg_2pKsUz')]);
      expect(await row('sessions', 'sess_ties_3')).toMatchObject({
        status: 'ended',
        event_ts: 1_716_883_200_050,
        svix_id: 'msg_2pKsUa',
      });
    });
  });

  it('compares svix-ids bytewise: upper case sorts before lower case whatever the collation', async () => {
    const u = user('user_ties_case');
    const lower = makeEvent(u, 'updated', T0);
    lower.data.first_name = 'From lower';
    const upper = makeEvent(u, 'updated', T0);
    upper.data.first_name = 'From upper';
    await applyEvents(database.db, [deliver(lower, 'msg_ties_a')]);
    const [late] = await applyEvents(database.db, [deliver(upper, 'msg_ties_Z')]);
    expect(late?.outcome).toBe('stale');
    expect(await row('users', 'user_ties_case')).toMatchObject({
      first_name: 'From lower',
      svix_id: 'msg_ties_a',
    });
  });

  it('orders two deletes of one timestamp by svix-id, in either arrival order', async () => {
    for (const [id, arrival] of [
      ['org_ties_1', ['msg_ties_b', 'msg_ties_c']],
      ['org_ties_2', ['msg_ties_c', 'msg_ties_b']],
    ] as const) {
      for (const svixId of arrival) {
        const deleted = example('organization.deleted', id);
        deleted.timestamp = T0;
        deleted.data.slug = `slug-from-${svixId}`;
        await applyEvents(database.db, [deliver(deleted, `${svixId}_${id}`)]);
      }
      expect(await row('organizations', id)).toMatchObject({
        slug: `slug-from-msg_ties_c`,
        version: T0,
        svix_id: `msg_ties_c_${id}`,
        deleted_at: new Date(T0),
      });
    }
  });

  it('orders hard-delete tombstones of one timestamp by svix-id, in either arrival order', async () => {
    const privacy = { ...defaultPrivacy, userDeletion: 'hard' as const };
    for (const [id, arrival] of [
      ['user_ties_hard_1', ['msg_ties_b', 'msg_ties_c']],
      ['user_ties_hard_2', ['msg_ties_c', 'msg_ties_b']],
    ] as const) {
      const outcomes = [];
      for (const svixId of arrival) {
        const [result] = await applyEvents(
          database.db,
          [deliver(makeEvent(user(id), 'deleted', T0), `${svixId}_${id}`)],
          {
            privacy,
          },
        );
        outcomes.push(result?.outcome);
      }
      expect(outcomes).toEqual(arrival[0] === 'msg_ties_b' ? ['applied', 'applied'] : ['applied', 'stale']);
      const { rows } = await sql<{
        version: number;
        event_ts: number;
        svix_id: string;
        last_event_id: string;
      }>`
        SELECT version, event_ts, svix_id, last_event_id FROM ${sql.table(`${database.schema}.tombstones`)}
        WHERE entity = 'users' AND id = ${id}`.execute(database.db);
      expect(rows).toEqual([
        { version: T0, event_ts: T0, svix_id: `msg_ties_c_${id}`, last_event_id: `msg_ties_c_${id}` },
      ]);
    }
  });

  describe('Backend API snapshots (no envelope, no svix-id)', () => {
    const snapshot = (u: FactoryEntity, version: number, firstName: string) => {
      const data = clerkObject(u, version);
      data.first_name = firstName;
      const { event, version: v } = snapshotEvent('user', data);
      return entityChangeFor(event, v);
    };
    const webhook = (u: FactoryEntity, version: number, firstName: string) => {
      const event = makeEvent(u, 'updated', version);
      event.data.first_name = firstName;
      return event;
    };

    it('rank below a webhook event of the same version, whichever comes first', async () => {
      const a = user('user_ties_snap_a');
      await applyEvents(database.db, [deliver(webhook(a, T0 + 5, 'Webhook'), 'msg_ties_snap_a')]);
      expect(
        await applyChanges(database.db, [snapshot(a, T0 + 5, 'Snapshot')], { instanceId: TEST_INSTANCE_ID }),
      ).toEqual(['stale']);
      expect(await row('users', a.id)).toMatchObject({ first_name: 'Webhook', svix_id: 'msg_ties_snap_a' });

      const b = user('user_ties_snap_b');
      expect(
        await applyChanges(database.db, [snapshot(b, T0 + 5, 'Snapshot')], { instanceId: TEST_INSTANCE_ID }),
      ).toEqual(['applied']);
      expect(await row('users', b.id)).toMatchObject({
        first_name: 'Snapshot',
        event_ts: null,
        svix_id: null,
      });
      await applyEvents(database.db, [deliver(webhook(b, T0 + 5, 'Webhook'), 'msg_ties_snap_b')]);
      expect(await row('users', b.id)).toMatchObject({ first_name: 'Webhook', svix_id: 'msg_ties_snap_b' });
    });

    it('still win with a newer version, and the later of two equal snapshots wins', async () => {
      const c = user('user_ties_snap_c');
      await applyEvents(database.db, [deliver(webhook(c, T0 + 5, 'Webhook'), 'msg_ties_snap_c')]);
      expect(
        await applyChanges(database.db, [snapshot(c, T0 + 6, 'Newer snapshot')], {
          instanceId: TEST_INSTANCE_ID,
        }),
      ).toEqual(['applied']);
      expect(
        await applyChanges(database.db, [snapshot(c, T0 + 6, 'Read again')], {
          instanceId: TEST_INSTANCE_ID,
        }),
      ).toEqual(['applied']);
      expect(await row('users', c.id)).toMatchObject({
        first_name: 'Read again',
        version: T0 + 6,
        event_ts: null,
        svix_id: null,
        last_event_id: 'backfill',
      });
    });
  });
});

import { prepareEvent } from '@clerk-sync/events';
import { loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents } from '../apply/apply-events.js';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { readActiveUsers } from './active-users.js';
import { readTopUsers } from './leaders.js';
import { readSignupsPerWeek } from './signups-per-week.js';
import { readTotals } from './totals.js';

const T0 = Date.UTC(2026, 5, 1); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_stats_db_${++n}`, receivedAt: 0, event: event as never });

function user(id: string, at: number, lastActiveAt: number | null = at) {
  const event = makeEvent({ kind: 'user', id, createdAt: at }, 'created', at);
  Object.assign(event.data as Record<string, unknown>, { last_active_at: lastActiveAt });
  return event;
}

/** A session of `userId`, last active at `at`. */
function session(id: string, userId: string, at: number) {
  const example = structuredClone(
    loadWebhookExamples().find((e) => e.file === 'session.created.json')?.event,
  );
  const data = example?.data as Record<string, unknown>;
  Object.assign(data, { id, user_id: userId, last_active_at: at, updated_at: T0 });
  delete data.user;
  return example;
}

describe.each(backends)('stats queries on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('read zeros and empty lists from an empty schema', async () => {
    expect(await readTotals(database.db)).toEqual({
      users: 0,
      deletedUsers: 0,
      organizations: 0,
      memberships: 0,
      sessions: 0,
    });
    expect(await readActiveUsers(database.db)).toEqual({ daily: 0, weekly: 0, monthly: 0 });
    expect(await readTopUsers(database.db, 5)).toEqual([]);
    expect(await readSignupsPerWeek(database.db, 12)).toEqual([]);
  });

  describe('with users and sessions', () => {
    beforeAll(async () => {
      await applyEvents(
        database.db,
        [
          user('user_a', T0),
          user('user_b', T0),
          user('user_never_active', T0, null),
          user('user_active_once', T0),
          user('user_earlier', T0 - 7 * DAY),
          session('sess_a1', 'user_a', T0 + HOUR),
          session('sess_a2', 'user_a', T0 + 2 * DAY + HOUR),
          session('sess_b1', 'user_b', T0 + HOUR),
        ].map(deliver),
      );
    });

    it('counts users and sessions', async () => {
      expect(await readTotals(database.db)).toEqual({
        users: 5,
        deletedUsers: 0,
        organizations: 0,
        memberships: 0,
        sessions: 3,
      });
    });

    it('reads the latest weeks of signups, oldest first', async () => {
      expect(await readSignupsPerWeek(database.db, 12)).toEqual([
        { week: new Date(T0 - 7 * DAY), signups: 1 },
        { week: new Date(T0), signups: 4 },
      ]);
      expect(await readSignupsPerWeek(database.db, 1)).toEqual([{ week: new Date(T0), signups: 4 }]);
    });

    it('counts the active users of the latest day, week and month', async () => {
      expect(await readActiveUsers(database.db)).toEqual({ daily: 1, weekly: 2, monthly: 2 });
    });

    it('ranks users by sessions, then by latest activity with never-active users last', async () => {
      expect(await readTopUsers(database.db, 4)).toEqual([
        { userId: 'user_a', sessions: 2 },
        { userId: 'user_b', sessions: 1 },
        { userId: 'user_active_once', sessions: 0 },
        { userId: 'user_earlier', sessions: 0 },
      ]);
    });
  });
});

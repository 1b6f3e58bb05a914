import { type PreparedEvent, prepareEvent } from '@clerk-sync/events';
import { clerkObject, loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyEvents } from './apply-events.js';

/**
 * `session.*` events carry their user (a full User, required by the webhook spec). It refreshes the
 * user's activity through the users' own order guard (issue #16: `last_sign_in_at` and `last_active_at`
 * went stale because `data.user` was dropped).
 */

const T0 = 1_750_000_000_000;
const HOUR = 3_600_000;
let n = 0;
const deliver = (event: unknown): PreparedEvent =>
  prepareEvent(
    { v: 1, svixId: `msg_session_user_${++n}`, receivedAt: T0, event: event as never },
    { now: T0 + 10 * HOUR },
  );

/** The user as Clerk renders it at `version`, active at `activeAt`. */
function userAt(id: string, version: number, activeAt = version): Record<string, unknown> {
  return {
    ...clerkObject({ kind: 'user', id, createdAt: T0 }, version),
    last_active_at: activeAt,
    last_sign_in_at: activeAt,
  };
}

/** Clerk's session.created example, for `userId`, carrying `user` and stamped `at`. */
function sessionEvent(
  sessionId: string,
  userId: string,
  at: number,
  user: Record<string, unknown> | undefined,
) {
  const example = loadWebhookExamples().find((e) => e.file === 'session.created.json')?.event;
  const event = structuredClone(example) as { timestamp: number; data: Record<string, unknown> };
  Object.assign(event.data, {
    id: sessionId,
    user_id: userId,
    updated_at: at,
    created_at: at,
    last_active_at: at,
  });
  if (user === undefined) delete event.data.user;
  else event.data.user = user;
  event.timestamp = at;
  return event;
}

describe.each(backends)('a session’s user on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });
  const userRow = (id: string) =>
    database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  const ms = (value: Date | string | null | undefined) => (value == null ? null : new Date(value).getTime());

  it('refreshes the user’s activity, and ends the same whichever of the two arrives first', async () => {
    for (const [label, order] of [
      ['user first', 'user-first'],
      ['session first', 'session-first'],
    ] as const) {
      const id = `user_activity_${order}`;
      const created = deliver(makeEvent({ kind: 'user', id, createdAt: T0 }, 'created', T0));
      const session = deliver(sessionEvent(`sess_${order}`, id, T0 + HOUR, userAt(id, T0 + HOUR)));
      const results = await applyEvents(database.db, order === 'user-first' ? [created] : [session]);
      const later = await applyEvents(database.db, order === 'user-first' ? [session] : [created]);
      expect(
        [...results, ...later].map((r) => r.outcome),
        label,
      ).toEqual(['applied', order === 'user-first' ? 'applied' : 'stale']);
      const row = await userRow(id);
      expect(ms(row?.last_active_at), label).toBe(T0 + HOUR);
      expect(ms(row?.last_sign_in_at), label).toBe(T0 + HOUR);
      expect(Number(row?.version), label).toBe(T0 + HOUR);
      // The whole user comes from the later snapshot: its address too, not only the activity.
      expect(row?.email, label).toBe(`${id}.${T0 + HOUR}@example.test`);
      expect(
        await database.db
          .selectFrom('sessions')
          .select('user_id')
          .where('id', '=', `sess_${order}`)
          .executeTakeFirst(),
      ).toEqual({ user_id: id });
    }
  });

  it('never moves a user back: an older user inside a later session leaves the row alone', async () => {
    const id = 'user_activity_older';
    await applyEvents(database.db, [
      deliver(makeEvent({ kind: 'user', id, createdAt: T0 }, 'updated', T0 + 2 * HOUR)),
    ]);
    const before = await userRow(id);
    const [result] = await applyEvents(database.db, [
      deliver(sessionEvent('sess_older', id, T0 + 3 * HOUR, userAt(id, T0 + HOUR))),
    ]);
    expect(result?.outcome).toBe('applied');
    expect(await userRow(id)).toEqual(before);
  });

  it('does not bring a deleted user back', async () => {
    const id = 'user_activity_deleted';
    await applyEvents(database.db, [
      deliver(makeEvent({ kind: 'user', id, createdAt: T0 }, 'created', T0)),
      deliver(makeEvent({ kind: 'user', id, createdAt: T0 }, 'deleted', T0 + HOUR)),
    ]);
    await applyEvents(database.db, [
      deliver(sessionEvent('sess_deleted', id, T0 + 3 * HOUR, userAt(id, T0 + 2 * HOUR))),
    ]);
    const row = await userRow(id);
    expect(row?.deleted_at).not.toBeNull();
    expect([row?.email, row?.first_name, row?.last_active_at]).toEqual([null, null, null]);
  });

  it('leaves out a user that is not the session’s own, one from the future, and a partial one', async () => {
    const cases = [
      ['user_activity_other', userAt('user_activity_someone_else', T0 + HOUR)],
      ['user_activity_future', userAt('user_activity_future', T0 + 1000 * HOUR)],
      ['user_activity_partial', { ...userAt('user_activity_partial', T0 + HOUR), email_addresses: [] }],
    ] as const;
    for (const [id, user] of cases) {
      const [result] = await applyEvents(database.db, [
        deliver(sessionEvent(`sess_${id}`, id, T0 + HOUR, user)),
      ]);
      expect(result?.outcome, id).toBe('applied');
      expect(await userRow(id), id).toBeUndefined();
    }
    expect(await userRow('user_activity_someone_else')).toBeUndefined();
  });

  it('applies Clerk’s own session example, whose user lists no email addresses, without touching users', async () => {
    const example = loadWebhookExamples().find((e) => e.file === 'session.created.json')
      ?.event as unknown as {
      data: { user: { id: string } };
    };
    const [result] = await applyEvents(database.db, [deliver(structuredClone(example))]);
    expect(result?.outcome).toBe('applied');
    expect(await userRow(example.data.user.id)).toBeUndefined();
  });
});

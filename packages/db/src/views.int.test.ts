import { prepareEvent } from '@clerk-sync/events';
import { type FactoryEntity, loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents } from './apply/apply-events.js';
import { defaultPrivacy } from './apply/privacy.js';
import type { ClerkDatabase } from './open-database.js';
import { backends, openTestDatabase } from './testing/test-database.js';

const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_views_${++n}`, receivedAt: Date.now(), event: event as never });
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });
const membership = (userId: string): FactoryEntity => ({
  kind: 'organization_membership',
  id: `orgmem_${userId}`,
  createdAt: T0,
  userId,
  organizationId: 'org_views',
});
/** A session of `userId`, last active at T0 + 1 h. */
function session(userId: string) {
  const example = structuredClone(
    loadWebhookExamples().find((e) => e.file === 'session.created.json')?.event,
  );
  const data = example?.data as Record<string, unknown>;
  Object.assign(data, {
    id: `sess_${userId}`,
    user_id: userId,
    last_active_at: T0 + 3_600_000,
    updated_at: T0,
  });
  delete data.user;
  return example;
}

describe.each(backends)('views leave out deleted users on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const live = ['user_live', 'user_anon', 'user_hard'].flatMap((id) => [
      makeEvent(user(id), 'created', T0),
      makeEvent(membership(id), 'created', T0),
      session(id),
    ]);
    // A membership whose user has not arrived yet is still a member.
    const early = makeEvent(membership('user_later'), 'created', T0);
    const org = makeEvent({ kind: 'organization', id: 'org_views', createdAt: T0 }, 'created', T0);
    await applyEvents(database.db, [...live, early, org].map(deliver));
    await applyEvents(database.db, [deliver(makeEvent(user('user_anon'), 'deleted', T0 + 10))]);
    await applyEvents(database.db, [deliver(makeEvent(user('user_hard'), 'deleted', T0 + 10))], {
      privacy: { ...defaultPrivacy, userDeletion: 'hard' },
    });
  });
  afterAll(async () => {
    await database.close();
  });

  it('organization_members lists neither anonymized nor hard-deleted users, but keeps one not yet seen', async () => {
    const members = await database.db
      .selectFrom('organization_members')
      .select('user_id')
      .where('organization_id', '=', 'org_views')
      .orderBy('user_id')
      .execute();
    expect(members.map((m) => m.user_id)).toEqual(['user_later', 'user_live']);
  });

  it('organization_roles and user_organizations count only live members', async () => {
    const { rows: roles } = await sql<{ members: number }>`
      SELECT members FROM ${sql.table(`${database.schema}.organization_roles`)}
      WHERE organization_id = 'org_views'`.execute(database.db);
    expect(roles.reduce((sum, r) => sum + r.members, 0)).toBe(2);
  });

  it('active-user views count only the live user', async () => {
    for (const view of ['daily_active_users', 'weekly_active_users', 'monthly_active_users']) {
      const { rows } = await sql<{ active_users: number }>`
        SELECT active_users FROM ${sql.table(`${database.schema}.${view}`)}`.execute(database.db);
      expect({ view, rows }).toEqual({ view, rows: [{ active_users: 1 }] });
    }
  });
});

import { prepareEvent } from '@clerk-sync/events';
import { makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents } from '../apply/apply-events.js';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { liveViews } from './live.view.js';

const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_live_${++n}`, receivedAt: Date.now(), event: event as never });

describe.each(backends)('live views on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('list the rows of their table without tombstones', async () => {
    const user = (id: string) => ({ kind: 'user' as const, id, createdAt: T0 });
    const org = { kind: 'organization' as const, id: 'org_live', createdAt: T0 };
    const membership = (id: string) => ({
      kind: 'organization_membership' as const,
      id,
      createdAt: T0,
      userId: 'user_kept',
      organizationId: 'org_live',
    });
    await applyEvents(database.db, [
      deliver(makeEvent(user('user_kept'), 'created', T0)),
      deliver(makeEvent(user('user_gone'), 'created', T0)),
      deliver(makeEvent(org, 'created', T0)),
      deliver(makeEvent(membership('orgmem_kept'), 'created', T0)),
      deliver(makeEvent(membership('orgmem_gone'), 'created', T0)),
    ]);
    await applyEvents(database.db, [
      deliver(makeEvent(user('user_gone'), 'deleted', T0 + 1)),
      deliver(makeEvent(membership('orgmem_gone'), 'deleted', T0 + 1)),
    ]);
    const users = await database.db.selectFrom('users_live').select(['id', 'email', 'version']).execute();
    expect(users.map((u) => u.id)).toEqual(['user_kept']);
    expect(users[0]?.email).toContain('@example.test');
    const memberships = await database.db.selectFrom('organization_memberships_live').select('id').execute();
    expect(memberships.map((m) => m.id)).toEqual(['orgmem_kept']);
    expect((await database.db.selectFrom('users').select('id').execute()).length).toBe(2);
    const organizations = await database.db.selectFrom('organizations_live').select('id').execute();
    expect(organizations.map((o) => o.id)).toEqual(['org_live']);
  });

  it('exist for every synced table', () => {
    expect(liveViews.map((v) => v.name)).toEqual(
      expect.arrayContaining([
        'users_live',
        'organizations_live',
        'organization_memberships_live',
        'sessions_live',
      ]),
    );
    expect(liveViews).toHaveLength(12);
  });
});

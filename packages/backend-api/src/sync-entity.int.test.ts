import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { clerkObject, type FactoryEntity, FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkApi } from './clerk-api.js';
import { kindOfId, syncEntity, UnknownEntityKindError } from './sync-entity.js';

const T0 = 1_760_000_000_000;
let fake: FakeClerk;
let database: ClerkDatabase;
let api: ClerkApi;
beforeAll(async () => {
  fake = new FakeClerk({ rateLimit: null });
  await fake.start();
  database = await openTestDatabase('postgres');
  api = new ClerkApi({ baseUrl: fake.url, secretKey: fake.secretKey, requestsPer10s: 100_000, maxTries: 2 });
});
afterAll(async () => {
  await fake.close();
  await database.close();
});

const rowCount = async () => {
  let n = 0;
  for (const table of ['users', 'organizations', 'organization_memberships'] as const)
    n += (await database.db.selectFrom(table).select('id').execute()).length;
  return n;
};

const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });

describe('syncEntity', () => {
  it('tells the kind from the id prefix', () => {
    expect(kindOfId('user_2abc')).toBe('user');
    expect(kindOfId('org_2abc')).toBe('organization');
    expect(kindOfId('orgmem_2abc')).toBe('organization_membership');
    expect(kindOfId('orginv_2abc')).toBe('organization_invitation');
    expect(kindOfId('orgdmn_2abc')).toBe('organization_domain');
    expect(kindOfId('role_2abc')).toBe('role');
    expect(kindOfId('perm_2abc')).toBe('permission');
    // No get-by-id for waitlist entries: not syncable one by one.
    expect(kindOfId('wle_2abc')).toBeUndefined();
    expect(kindOfId('sess_2abc')).toBeUndefined();
  });

  it('writes exactly one row, the one asked for', async () => {
    fake.putUser(clerkObject(user('user_one'), T0 + 10));
    fake.putUser(clerkObject(user('user_two'), T0 + 10));
    const before = await rowCount();
    const result = await syncEntity('user_one', { db: database.db, api });
    expect(result).toEqual({ status: 'applied', kind: 'user', id: 'user_one', version: T0 + 10 });
    expect(await rowCount()).toBe(before + 1);
    const rows = await database.db.selectFrom('users').select(['id', 'version']).execute();
    expect(rows).toEqual([{ id: 'user_one', version: T0 + 10 }]);
  });

  it('keeps a newer local row: an older copy in Clerk does not overwrite it', async () => {
    const entity = user('user_newer_here');
    const event = makeEvent(entity, 'updated', T0 + 500);
    await applyEvents(database.db, [
      prepareEvent({ v: 1, svixId: 'msg_newer', receivedAt: Date.now(), event: event as never }),
    ]);
    fake.putUser(clerkObject(entity, T0 + 100));
    const result = await syncEntity('user_newer_here', { db: database.db, api });
    expect(result.status).toBe('stale');
    const row = await database.db
      .selectFrom('users')
      .select(['version', 'first_name'])
      .where('id', '=', 'user_newer_here')
      .executeTakeFirst();
    expect(row?.version).toBe(T0 + 500);

    fake.putUser(clerkObject(entity, T0 + 900));
    expect((await syncEntity('user_newer_here', { db: database.db, api })).status).toBe('applied');
    const updated = await database.db
      .selectFrom('users')
      .select('version')
      .where('id', '=', 'user_newer_here')
      .executeTakeFirst();
    expect(updated?.version).toBe(T0 + 900);
  });

  it('writes nothing for a 404, not even a tombstone', async () => {
    const before = await rowCount();
    const result = await syncEntity('user_nowhere', { db: database.db, api });
    expect(result).toMatchObject({ status: 'not_found', kind: 'user', id: 'user_nowhere' });
    expect(await rowCount()).toBe(before);

    // A live local row stays live when Clerk answers 404 for it.
    expect((await syncEntity('user_two', { db: database.db, api })).status).toBe('applied');
    fake.deleteUser('user_two');
    expect((await syncEntity('user_two', { db: database.db, api })).status).toBe('not_found');
    const row = await database.db
      .selectFrom('users')
      .select('deleted_at')
      .where('id', '=', 'user_two')
      .executeTakeFirst();
    expect(row).toEqual({ deleted_at: null });
  });

  it('fetches an organization, and a membership through its organization', async () => {
    const org: FactoryEntity = { kind: 'organization', id: 'org_sync', createdAt: T0 };
    fake.putOrganization(clerkObject(org, T0 + 5));
    for (const [i, userId] of ['user_a', 'user_b', 'user_c'].entries()) {
      const membership: FactoryEntity = {
        kind: 'organization_membership',
        id: `orgmem_sync_${i}`,
        createdAt: T0 + i,
        userId,
        organizationId: 'org_sync',
      };
      fake.putMembership(clerkObject(membership, T0 + 20 + i));
    }
    expect((await syncEntity('org_sync', { db: database.db, api })).status).toBe('applied');

    // Not local yet: the organization has to be named.
    const unknown = await syncEntity('orgmem_sync_1', { db: database.db, api });
    expect(unknown.status).toBe('not_found');
    const first = await syncEntity('orgmem_sync_1', { db: database.db, api, organizationId: 'org_sync' });
    expect(first).toMatchObject({ status: 'applied', kind: 'organization_membership', version: T0 + 21 });

    // Local now: found by its organization and user, filtered on Clerk's side.
    fake.putMembership(
      clerkObject(
        {
          kind: 'organization_membership',
          id: 'orgmem_sync_1',
          createdAt: T0 + 1,
          userId: 'user_b',
          organizationId: 'org_sync',
        },
        T0 + 40,
      ),
    );
    expect((await syncEntity('orgmem_sync_1', { db: database.db, api })).status).toBe('applied');
    const lookup = fake.requests.filter((r) => r.path === '/v1/organizations/org_sync/memberships').at(-1);
    expect(lookup?.query).toContain('user_id=user_b');
    const rows = await database.db.selectFrom('organization_memberships').select(['id', 'version']).execute();
    expect(rows).toEqual([{ id: 'orgmem_sync_1', version: T0 + 40 }]);

    const gone = await syncEntity('orgmem_sync_9', { db: database.db, api, organizationId: 'org_missing' });
    expect(gone).toMatchObject({ status: 'not_found', reason: 'no organization org_missing in Clerk' });
  });

  it('refuses an id whose kind it cannot tell, unless told', async () => {
    await expect(syncEntity('sess_123', { db: database.db, api })).rejects.toBeInstanceOf(
      UnknownEntityKindError,
    );
    fake.putUser(clerkObject(user('legacy_user_id'), T0 + 1));
    expect((await syncEntity('legacy_user_id', { db: database.db, api, kind: 'user' })).status).toBe(
      'applied',
    );
  });
});

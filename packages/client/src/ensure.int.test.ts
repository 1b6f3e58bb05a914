import { applyEvents, type ClerkDatabase, defaultPrivacy } from '@clerk-sync/db';
import { openTestDatabase, testDatabaseUrl } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { type Action, clerkObject, type FactoryEntity, FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClerkSyncClient, type ClientOptions, createClient } from './create-client.js';
import { EnsureNotConfiguredError } from './ensurer.js';

const T0 = 1_760_000_000_000;
let n = 0;
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });
const organization = (id: string): FactoryEntity => ({ kind: 'organization', id, createdAt: T0 });

describe('ensureUser and ensureOrganization', () => {
  let database: ClerkDatabase;
  let fake: FakeClerk;
  /** Answers after 300 ms, so that calls overlap for certain. */
  let slowFake: FakeClerk;
  const clients: ClerkSyncClient[] = [];
  const clientOf = (clerk: FakeClerk, extra: Partial<ClientOptions> = {}) => {
    const client = createClient({
      databaseUrl: testDatabaseUrl,
      schema: database.schema,
      listen: false,
      clerk: { secretKey: clerk.secretKey, apiUrl: clerk.url, requestsPer10s: 100_000 },
      ...extra,
    });
    clients.push(client);
    return client;
  };
  let client: ClerkSyncClient;
  let slowClient: ClerkSyncClient;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    fake = new FakeClerk({ rateLimit: null });
    slowFake = new FakeClerk({ rateLimit: null, latencyMs: 300 });
    await Promise.all([fake.start(), slowFake.start()]);
    client = clientOf(fake);
    slowClient = clientOf(slowFake);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([fake?.close(), slowFake?.close()]);
    await database?.close();
  });

  const deliver = (entity: FactoryEntity, action: Action, version: number, privacy = defaultPrivacy) =>
    applyEvents(
      database.db,
      [
        prepareEvent({
          v: 1,
          svixId: `msg_ensure_${++n}`,
          receivedAt: Date.now(),
          event: makeEvent(entity, action, version) as never,
        }),
      ],
      { privacy },
    );

  /** Rows, audit entries and feed entries for one id: what a write leaves behind. */
  const written = async (table: 'users' | 'organizations', id: string) => {
    const rows = await database.db.selectFrom(table).select('version').where('id', '=', id).execute();
    const audit = await database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', id)
      .execute();
    const feed = await database.db
      .selectFrom('changes')
      .select(['op', 'source'])
      .where('entity_id', '=', id)
      .execute();
    return { rows: rows.length, versions: rows.map((r) => r.version), audit: audit.length, feed };
  };
  const fetches = (clerk: FakeClerk, path: string) => clerk.requestsTo(path).length;

  it('writes exactly one row for a missing user, through the guards, and returns it', async () => {
    fake.putUser(clerkObject(user('user_new'), T0 + 10));
    fake.putUser(clerkObject(user('user_other'), T0 + 10));
    expect(await written('users', 'user_new')).toMatchObject({ rows: 0, audit: 0, feed: [] });

    const row = await client.ensureUser('user_new');
    expect(row).toMatchObject({ id: 'user_new', version: T0 + 10, deleted_at: null });
    expect(row?.email).toContain('@example.test');
    expect(await written('users', 'user_new')).toEqual({
      rows: 1,
      versions: [T0 + 10],
      audit: 1,
      feed: [{ op: 'insert', source: 'sync' }],
    });
    expect(fetches(fake, '/v1/users/user_new')).toBe(1);
    // Only the row asked for.
    expect(await written('users', 'user_other')).toMatchObject({ rows: 0, audit: 0 });
  });

  it('answers a present row from the copy, without asking Clerk', async () => {
    await deliver(user('user_here'), 'created', T0 + 20);
    fake.putUser(clerkObject(user('user_here'), T0 + 999));
    const row = await client.ensureUser('user_here');
    expect(row).toMatchObject({ id: 'user_here', version: T0 + 20 });
    expect(fetches(fake, '/v1/users/user_here')).toBe(0);
    expect(await written('users', 'user_here')).toMatchObject({ rows: 1, versions: [T0 + 20], audit: 1 });
  });

  it('answers null for a deleted user, without asking Clerk and without writing', async () => {
    await deliver(user('user_gone'), 'created', T0 + 30);
    await deliver(user('user_gone'), 'deleted', T0 + 40);
    // Clerk (or a stale cache of it) still has the user: it must not come back.
    fake.putUser(clerkObject(user('user_gone'), T0 + 35));
    const before = await written('users', 'user_gone');
    expect(await client.ensureUser('user_gone')).toBeNull();
    expect(fetches(fake, '/v1/users/user_gone')).toBe(0);
    expect(await written('users', 'user_gone')).toEqual(before);
  });

  it('answers null for a user removed with USER_DELETION=hard (only in tombstones)', async () => {
    const hard = { ...defaultPrivacy, userDeletion: 'hard' as const };
    await deliver(user('user_hard'), 'created', T0 + 30, hard);
    await deliver(user('user_hard'), 'deleted', T0 + 40, hard);
    fake.putUser(clerkObject(user('user_hard'), T0 + 35));
    expect((await written('users', 'user_hard')).rows).toBe(0);
    expect(await client.ensureUser('user_hard')).toBeNull();
    expect(fetches(fake, '/v1/users/user_hard')).toBe(0);
    expect((await written('users', 'user_hard')).rows).toBe(0);
  });

  it('answers null for an id Clerk does not know (404), and writes nothing', async () => {
    expect(await client.ensureUser('user_nowhere')).toBeNull();
    expect(await client.ensureOrganization('org_nowhere')).toBeNull();
    expect(fetches(fake, '/v1/users/user_nowhere')).toBe(1);
    expect(fetches(fake, '/v1/organizations/org_nowhere')).toBe(1);
    expect(await written('users', 'user_nowhere')).toEqual({ rows: 0, versions: [], audit: 0, feed: [] });
    expect(await written('organizations', 'org_nowhere')).toEqual({
      rows: 0,
      versions: [],
      audit: 0,
      feed: [],
    });
  });

  it('fetches one request and writes one row for concurrent calls on the same id', async () => {
    slowFake.putUser(clerkObject(user('user_rush'), T0 + 50));
    const rows = await Promise.all(Array.from({ length: 8 }, () => slowClient.ensureUser('user_rush')));
    expect(rows.map((r) => r?.version)).toEqual(Array(8).fill(T0 + 50));
    expect(fetches(slowFake, '/v1/users/user_rush')).toBe(1);
    expect(await written('users', 'user_rush')).toMatchObject({ rows: 1, audit: 1 });
  });

  it('stops waiting when the signal aborts, while the shared request goes on for the others', async () => {
    slowFake.putUser(clerkObject(user('user_impatient'), T0 + 55));
    const controller = new AbortController();
    const impatient = slowClient.ensureUser('user_impatient', { signal: controller.signal });
    const patient = slowClient.ensureUser('user_impatient');
    setTimeout(() => controller.abort(new Error('gave up')), 50);
    await expect(impatient).rejects.toThrow('gave up');
    expect((await patient)?.version).toBe(T0 + 55);
    expect(fetches(slowFake, '/v1/users/user_impatient')).toBe(1);
    expect(await written('users', 'user_impatient')).toMatchObject({ rows: 1, audit: 1 });
  });

  it('writes once across two clients (two processes): the second copy is stale to the guards', async () => {
    slowFake.putUser(clerkObject(user('user_two_apps'), T0 + 60));
    const other = clientOf(slowFake);
    const [a, b] = await Promise.all([
      slowClient.ensureUser('user_two_apps'),
      other.ensureUser('user_two_apps'),
    ]);
    expect(a?.version).toBe(T0 + 60);
    expect(b?.version).toBe(T0 + 60);
    expect(fetches(slowFake, '/v1/users/user_two_apps')).toBe(2);
    expect(await written('users', 'user_two_apps')).toMatchObject({ rows: 1, audit: 1 });
  });

  it('never lets an older copy from Clerk overwrite a newer row written meanwhile', async () => {
    // Clerk's answer (version +100) is held for 1.5 s; the webhook with version +500 lands first.
    const held = new FakeClerk({ rateLimit: null, latencyMs: 1500 });
    await held.start();
    try {
      held.putUser(clerkObject(user('user_race'), T0 + 100));
      const ensured = clientOf(held).ensureUser('user_race');
      // The webhook lands only once the client has read the copy, found nothing and asked Clerk.
      await expect.poll(() => held.arrivals.includes('/v1/users/user_race'), { timeout: 5000 }).toBe(true);
      await deliver(user('user_race'), 'updated', T0 + 500);
      const appliedAt = Date.now();
      const row = await ensured;
      const [request] = held.requestsTo('/v1/users/user_race');
      expect(request?.at).toBeGreaterThanOrEqual(appliedAt);
      expect(row?.version).toBe(T0 + 500);
      expect(await written('users', 'user_race')).toMatchObject({ rows: 1, versions: [T0 + 500], audit: 1 });
    } finally {
      await held.close();
    }
  });

  it('writes a missing organization, and leaves a deleted one deleted', async () => {
    fake.putOrganization(clerkObject(organization('org_new'), T0 + 70));
    const row = await client.ensureOrganization('org_new');
    expect(row).toMatchObject({ id: 'org_new', version: T0 + 70, deleted_at: null });
    expect(await written('organizations', 'org_new')).toMatchObject({ rows: 1, audit: 1 });
    expect(await client.ensureOrganization('org_new')).toMatchObject({ version: T0 + 70 });
    expect(fetches(fake, '/v1/organizations/org_new')).toBe(1);

    await deliver(organization('org_gone'), 'created', T0 + 80);
    await deliver(organization('org_gone'), 'deleted', T0 + 90);
    fake.putOrganization(clerkObject(organization('org_gone'), T0 + 85));
    expect(await client.ensureOrganization('org_gone')).toBeNull();
    expect(fetches(fake, '/v1/organizations/org_gone')).toBe(0);
  });

  it('stores only what the privacy settings allow', async () => {
    const entity = user('user_private');
    fake.putUser({ ...clerkObject(entity, T0 + 95), private_metadata: { plan: 'secret' } });
    const stored = await client.ensureUser('user_private');
    expect(stored?.private_metadata ?? null).toBeNull();

    const entity2 = user('user_private_kept');
    fake.putUser({ ...clerkObject(entity2, T0 + 95), private_metadata: { plan: 'kept' } });
    const keeping = clientOf(fake, {
      clerk: {
        secretKey: fake.secretKey,
        apiUrl: fake.url,
        requestsPer10s: 100_000,
        privacy: { storePrivateMetadata: true },
      },
    });
    expect((await keeping.ensureUser('user_private_kept'))?.private_metadata).toEqual({ plan: 'kept' });
  });

  it('throws a clear error without the clerk option, and after close', async () => {
    const plain = clientOf(fake, { clerk: undefined });
    await expect(plain.ensureUser('user_new')).rejects.toBeInstanceOf(EnsureNotConfiguredError);
    await expect(plain.ensureOrganization('org_new')).rejects.toThrow(/clerk: \{ secretKey \}/);
    const closing = clientOf(fake);
    await closing.close();
    await expect(closing.ensureUser('user_new')).rejects.toThrow(/closed/);
  });

  it('writes the row as the key’s instance, and refuses a key of another instance than the one pinned', async () => {
    fake.putUser(clerkObject(user('user_inst'), T0 + 10));
    const row = await client.ensureUser('user_inst');
    expect(row?.instance_id).toBe(fake.instanceId);

    fake.putUser(clerkObject(user('user_pinned'), T0 + 10));
    const pinned = clientOf(fake, {
      clerk: {
        secretKey: fake.secretKey,
        apiUrl: fake.url,
        requestsPer10s: 100_000,
        instanceId: 'ins_elsewhere',
      },
    });
    const error = await pinned.ensureUser('user_pinned').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnsureNotConfiguredError);
    expect((error as Error).message).toBe(
      `ensure: the secret key belongs to Clerk instance ${fake.instanceId}, not ins_elsewhere`,
    );
    expect(await written('users', 'user_pinned')).toMatchObject({ rows: 0, audit: 0 });
  });
});

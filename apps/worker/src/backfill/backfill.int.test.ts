import { ClerkApi, ClerkApiError } from '@clerk-sync/backend-api';
import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { CLERK_RATE_LIMITS, FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { runBackfill } from './backfill.js';
import { createProgress } from './progress.js';
import { runReconcile } from './reconcile.js';

let fake: FakeClerk | undefined;
let database: ClerkDatabase | undefined;
afterEach(async () => {
  await fake?.close();
  await database?.close();
  fake = undefined;
  database = undefined;
});

async function setup(
  options: ConstructorParameters<typeof FakeClerk>[0],
  seed: Parameters<FakeClerk['seed']>[0],
) {
  fake = new FakeClerk(options);
  fake.seed(seed);
  await fake.start();
  database = await openTestDatabase('postgres');
  return { fake, database };
}

const api = (
  f: FakeClerk,
  requestsPer10s: number,
  extra: Partial<ConstructorParameters<typeof ClerkApi>[0]> = {},
) => new ClerkApi({ baseUrl: f.url, secretKey: f.secretKey, requestsPer10s, maxTries: 5, ...extra });

const count = async (d: ClerkDatabase, table: 'users' | 'organizations' | 'organization_memberships') =>
  Number(
    (
      await d.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n,
  );

describe('pnpm backfill', () => {
  it('copies 10,000 users, 500 organizations and 5,000 memberships under the development limit, through 429s and 5xx', async () => {
    const { fake, database } = await setup(
      { rateLimit: 'development' },
      { users: 10_000, organizations: 500, memberships: 5_000 },
    );
    fake.throttleNext(1, 1);
    fake.failNext(2, 503);
    const lines: string[] = [];
    const client = api(fake, CLERK_RATE_LIMITS.development.requests * 0.9);
    const summary = await runBackfill({
      db: database.db,
      api: client,
      progress: createProgress({ write: (s: string) => lines.push(s), isTTY: false }, 0),
    });
    expect(summary.types.map((t) => [t.name, t.fetched, t.applied, t.complete])).toEqual([
      ['users', 10_000, 10_000, true],
      ['organizations', 500, 500, true],
      ['memberships', 5_000, 5_000, true],
      // The other types walk their (here empty) listings too, one request each.
      ['invitations', 0, 0, true],
      ['domains', 0, 0, true],
      ['roles', 0, 0, true],
      ['permissions', 0, 0, true],
      ['waitlist_entries', 0, 0, true],
    ]);
    expect(await count(database, 'users')).toBe(10_000);
    expect(await count(database, 'organizations')).toBe(500);
    expect(await count(database, 'organization_memberships')).toBe(5_000);

    // Rows match the fake field by field.
    const sample = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_0004242')
      .executeTakeFirst();
    const source = fake.user('user_0004242') as {
      updated_at: number;
      first_name: string;
      email_addresses: Array<{ email_address: string }>;
    };
    expect(sample).toMatchObject({
      version: source.updated_at,
      first_name: source.first_name,
      email: source.email_addresses[0]?.email_address,
    });
    const member = await database.db
      .selectFrom('organization_members')
      .selectAll()
      .where('user_id', '=', 'user_0000003')
      .execute();
    expect(member).toEqual([expect.objectContaining({ organization_id: 'org_0000003' })]);

    // The 429 was waited out for its Retry-After, and the 5xx were retried.
    const statuses = fake.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    const throttledAt = fake.requests.findIndex((r) => r.status === 429);
    const after = fake.requests[throttledAt + 1];
    expect((after?.at ?? 0) - (fake.requests[throttledAt]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(summary).toMatchObject({ throttled: 1, retries: 2 });
    // One request per page, plus one count: the SDK's getUserList would have doubled the user requests.
    expect(fake.requestsTo('/v1/users').filter((r) => r.status === 200)).toHaveLength(21);
    expect(fake.requestsTo('/v1/users/count').filter((r) => r.status === 200)).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('users: 10,000/10,000'))).toBe(true);

    const seconds = summary.types.reduce((s, t) => s + t.seconds, 0);
    console.log(
      `backfill: ${summary.types.reduce((n, t) => n + t.fetched, 0)} objects in ${seconds.toFixed(1)} s ` +
        `(${Math.round(10_000 / (summary.types[0]?.seconds ?? 1))} users/s), ${summary.requests} requests`,
    );

    // A re-run is idempotent: same rows, nothing newer.
    const before = await database.db.selectFrom('users').selectAll().orderBy('id').limit(50).execute();
    await runBackfill({ db: database.db, api: api(fake, 1000), restart: true });
    expect(await database.db.selectFrom('users').selectAll().orderBy('id').limit(50).execute()).toEqual(
      before,
    );
  });

  it('stays under a tight rate limit by waiting out 429s, and gives up with a clear message on persistent 5xx', async () => {
    const { fake, database } = await setup({ rateLimit: { requests: 3, windowMs: 2000 } }, { users: 1200 });
    const summary = await runBackfill({
      db: database.db,
      api: api(fake, 1000),
      pageSize: 100,
      sources: undefined,
    });
    expect(summary.types[0]).toMatchObject({ fetched: 1200, complete: true });
    expect(summary.throttled).toBeGreaterThan(0);

    fake.failNext(10, 502);
    await expect(
      runBackfill({ db: database.db, api: api(fake, 1000, { maxTries: 3 }), restart: true }),
    ).rejects.toThrow(/GET \/v1\/instance failed 3 times, last with 502/);
  });

  it('resumes an interrupted run at the next page instead of starting over', async () => {
    const { fake, database } = await setup(
      { rateLimit: null },
      { users: 5_000, organizations: 20, memberships: 40 },
    );
    const controller = new AbortController();
    let pages = 0;
    const first = await runBackfill({
      db: database.db,
      api: api(fake, 10_000),
      signal: controller.signal,
      progress: {
        start() {},
        finish() {},
        advance() {
          pages += 1;
          if (pages === 4) controller.abort();
        },
      },
    });
    expect(first.types).toEqual([
      expect.objectContaining({ name: 'users', fetched: 2_000, complete: false }),
    ]);
    const userPagesBefore = fake.requestsTo('/v1/users').length;

    const second = await runBackfill({ db: database.db, api: api(fake, 10_000) });
    expect(second.types.map((t) => [t.name, t.resumedAt, t.fetched, t.complete])).toEqual([
      ['users', 2_000, 3_000, true],
      ['organizations', 0, 20, true],
      ['memberships', 0, 40, true],
      ['invitations', 0, 0, true],
      ['domains', 0, 0, true],
      ['roles', 0, 0, true],
      ['permissions', 0, 0, true],
      ['waitlist_entries', 0, 0, true],
    ]);
    // 6 pages for the remaining 3,000 users (the last one short), not 11 for all of them.
    expect(fake.requestsTo('/v1/users').length - userPagesBefore).toBe(7);
    expect(await count(database, 'users')).toBe(5_000);
    const state = await database.db.selectFrom('sync_state').selectAll().orderBy('object_type').execute();
    expect(state.map((s) => [s.object_type, s.done, s.seen])).toEqual([
      ['domains', true, 0],
      ['invitations', true, 0],
      ['memberships', true, 40],
      ['organizations', true, 20],
      ['permissions', true, 0],
      ['roles', true, 0],
      ['users', true, 5_000],
      ['waitlist_entries', true, 0],
    ]);
  });

  it('keeps a webhook update that is newer than the backfill snapshot', async () => {
    const { fake, database } = await setup({ rateLimit: null }, { users: 30 });
    const snapshot = fake.user('user_0000007') as { created_at: number; updated_at: number };
    const newer = makeEvent(
      { kind: 'user', id: 'user_0000007', createdAt: snapshot.created_at },
      'updated',
      snapshot.updated_at + 60_000,
    );
    await applyEvents(database.db, [
      prepareEvent({ v: 1, svixId: 'msg_newer', receivedAt: Date.now(), event: newer as never }),
    ]);
    const summary = await runBackfill({ db: database.db, api: api(fake, 10_000) });
    expect(summary.types[0]).toMatchObject({ applied: 29, stale: 1 });
    const row = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_0000007')
      .executeTakeFirst();
    expect(row).toMatchObject({
      version: snapshot.updated_at + 60_000,
      first_name: `First ${snapshot.updated_at + 60_000}`,
    });
  });

  it('fails fast when the secret key is wrong', async () => {
    const { fake, database } = await setup({ rateLimit: null }, { users: 1 });
    const wrong = new ClerkApi({
      baseUrl: fake.url,
      secretKey: 'sk_wrong',
      requestsPer10s: 100,
      maxTries: 5,
    });
    const error = await runBackfill({ db: database.db, api: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClerkApiError);
    expect((error as Error).message).toContain('CLERK_SECRET_KEY was rejected');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('pnpm reconcile', () => {
  it('reports users deleted in Clerk without a webhook, and tombstones them with --apply', async () => {
    const { fake, database } = await setup(
      { rateLimit: null },
      { users: 1_200, organizations: 5, memberships: 30 },
    );
    await runBackfill({ db: database.db, api: api(fake, 10_000) });
    fake.deleteUser('user_0000010');
    fake.deleteUser('user_0001100');
    fake.deleteMembership('orgmem_0000004');
    const changed = fake.updateUser('user_0000020', { first_name: 'Changed' });

    const report = await runReconcile({ db: database.db, api: api(fake, 10_000) });
    const users = report.find((d) => d.name === 'users');
    expect(users).toMatchObject({
      inClerk: 1_198,
      local: 1_200,
      gone: ['user_0000010', 'user_0001100'],
      outdated: ['user_0000020'],
      missing: [],
      applied: 0,
    });
    expect(report.find((d) => d.name === 'memberships')?.gone).toEqual(['orgmem_0000004']);
    expect(
      await database.db
        .selectFrom('users')
        .select('deleted_at')
        .where('id', '=', 'user_0000010')
        .executeTakeFirst(),
    ).toEqual({
      deleted_at: null,
    });

    const applied = await runReconcile({ db: database.db, api: api(fake, 10_000), apply: true });
    expect(applied.find((d) => d.name === 'users')?.applied).toBe(3);
    const gone = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_0000010')
      .executeTakeFirst();
    expect(gone?.deleted_at).toBeInstanceOf(Date);
    expect(gone).toMatchObject({ email: null, first_name: null });
    expect(
      await database.db
        .selectFrom('users')
        .select('first_name')
        .where('id', '=', 'user_0000020')
        .executeTakeFirst(),
    ).toEqual({ first_name: 'Changed' });
    expect(changed.first_name).toBe('Changed');

    const clean = await runReconcile({ db: database.db, api: api(fake, 10_000) });
    for (const d of clean) expect([d.missing, d.outdated, d.gone]).toEqual([[], [], []]);
  });
});

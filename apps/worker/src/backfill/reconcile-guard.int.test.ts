import { ClerkApi } from '@clerk-sync/backend-api';
import { type ClerkDatabase, readDriftReport, readInstanceBinding } from '@clerk-sync/db';
import { openTestDatabase } from '@clerk-sync/db/testing';
import { metricNames } from '@clerk-sync/telemetry';
import { clerkObject, FakeClerk } from '@clerk-sync/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../metrics.js';
import { runBackfill } from './backfill.js';
import { ReconcileRefusedError, reconcile, runReconcile } from './reconcile.js';

const fakes: FakeClerk[] = [];
let database: ClerkDatabase;
// One schema for the file, emptied before each test: fewer migrations racing other files' DROP SCHEMA.
beforeAll(async () => {
  database = await openTestDatabase('postgres');
});
afterAll(async () => {
  await database.close();
});
beforeEach(async () => {
  for (const table of [
    'users',
    'organizations',
    'organization_memberships',
    'clerk_instance',
    'drift_report',
    'sync_state',
  ] as const)
    await database.db.deleteFrom(table).execute();
});
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function startFake(
  seed: Parameters<FakeClerk['seed']>[0],
  options: ConstructorParameters<typeof FakeClerk>[0] = {},
): Promise<FakeClerk> {
  const fake = new FakeClerk({ rateLimit: null, ...options });
  fake.seed(seed);
  await fake.start();
  fakes.push(fake);
  return fake;
}

const api = (fake: FakeClerk) =>
  new ClerkApi({ baseUrl: fake.url, secretKey: fake.secretKey, requestsPer10s: 100_000, maxTries: 3 });

const pad = (n: number) => `user_${String(n).padStart(7, '0')}`;

async function tombstoned(table: 'users' | 'organizations' | 'organization_memberships'): Promise<number> {
  const rows = await database.db.selectFrom(table).select('id').where('deleted_at', 'is not', null).execute();
  return rows.length;
}

describe('reconcile with a key of another instance', () => {
  it('refuses and tombstones nothing, even with --force, and then tells instances apart by id', async () => {
    const seed = { users: 60, organizations: 4, memberships: 20 };
    const own = await startFake(seed, { instanceId: 'ins_own' });
    await runBackfill({ db: database.db, api: api(own) });
    // The reproduction of issue #18: a Clerk instance that knows none of the local rows.
    const stranger = await startFake({}, { secretKey: 'sk_test_other', instanceId: 'ins_other' });
    stranger.putUser(
      clerkObject({ kind: 'user', id: 'user_elsewhere', createdAt: 1_700_000_000_000 }, 1_700_000_000_000),
    );

    const wiped = await reconcile({ db: database.db, api: api(stranger), apply: true, force: true });
    expect(wiped.refusal?.reason).toBe('key_cannot_see_rows');
    expect(wiped.sample.checked).toBeGreaterThan(0);
    expect(wiped.sample.missing).toBe(wiped.sample.checked);
    expect(wiped.applied).toBe(false);
    expect(await tombstoned('users')).toBe(0);
    expect(await tombstoned('organizations')).toBe(0);
    expect(await tombstoned('organization_memberships')).toBe(0);
    expect(stranger.requestsTo('/v1/users')).toEqual([]);
    expect(await readInstanceBinding(database.db)).toBeUndefined();
    expect((await readDriftReport(database.db)).counts).toEqual([]);
    await expect(runReconcile({ db: database.db, api: api(stranger), apply: true })).rejects.toBeInstanceOf(
      ReconcileRefusedError,
    );

    // A run with the right key records the instance…
    const clean = await reconcile({ db: database.db, api: api(own) });
    expect(clean.refusal).toBeNull();
    expect(await readInstanceBinding(database.db)).toEqual({ id: 'ins_own', environmentType: 'development' });

    // …so a clone that knows every row (a copied development instance) is refused by its id.
    const clone = await startFake(seed, { secretKey: 'sk_test_clone', instanceId: 'ins_clone' });
    const cloned = await reconcile({ db: database.db, api: api(clone), apply: true, force: true });
    expect(cloned.refusal?.reason).toBe('instance_mismatch');
    expect(cloned.refusal?.message).toContain('ins_own');
    expect(clone.requests.map((r) => r.path)).toEqual(['/v1/instance']);
    expect(await tombstoned('users')).toBe(0);
  });
});

describe('reconcile --apply and the share of gone rows', () => {
  it('applies a 3% drift', async () => {
    const fake = await startFake({ users: 200 });
    await runBackfill({ db: database.db, api: api(fake) });
    for (let i = 0; i < 6; i++) fake.deleteUser(pad(i * 30));
    const report = await reconcile({ db: database.db, api: api(fake), apply: true });
    expect(report.refusal).toBeNull();
    expect(report.applied).toBe(true);
    expect(report.types.find((t) => t.name === 'users')?.gone).toHaveLength(6);
    expect(await tombstoned('users')).toBe(6);
  });

  it('refuses 10% without --force, changing nothing, and applies it with --force', async () => {
    const fake = await startFake({ users: 200 });
    await runBackfill({ db: database.db, api: api(fake) });
    for (let i = 0; i < 20; i++) fake.deleteUser(pad(i * 10));
    fake.updateUser(pad(1), { first_name: 'Changed' });

    const refused = await reconcile({ db: database.db, api: api(fake), apply: true });
    expect(refused.refusal?.reason).toBe('too_many_gone');
    expect(refused.refusal?.message).toMatch(/^users: 20 of 200 live rows \(10\.0%\)/);
    expect(refused.applied).toBe(false);
    expect(await tombstoned('users')).toBe(0);
    const unchanged = await database.db
      .selectFrom('users')
      .select('first_name')
      .where('id', '=', pad(1))
      .executeTakeFirst();
    expect(unchanged?.first_name).not.toBe('Changed');

    const forced = await reconcile({ db: database.db, api: api(fake), apply: true, force: true });
    expect(forced.refusal).toBeNull();
    expect(await tombstoned('users')).toBe(20);

    // RECONCILE_MAX_GONE_SHARE decides: 2 of 180 live rows is more than 1% allows, not more than 2%.
    fake.deleteUser(pad(199));
    fake.deleteUser(pad(198));
    const strict = await reconcile({ db: database.db, api: api(fake), apply: true, maxGoneShare: 0.01 });
    expect(strict.refusal?.reason).toBe('too_many_gone');
    const allowed = await reconcile({ db: database.db, api: api(fake), apply: true, maxGoneShare: 0.02 });
    expect(allowed.refusal).toBeNull();
    expect(await tombstoned('users')).toBe(22);
  });
});

describe('the drift gauge', () => {
  it("serves the last reconcile's counts from Postgres on the worker's /metrics", async () => {
    const fake = await startFake({ users: 100, organizations: 3, memberships: 9 });
    await runBackfill({ db: database.db, api: api(fake) });
    fake.deleteUser(pad(3));
    fake.deleteUser(pad(4));
    fake.updateUser(pad(5), { last_name: 'Newer' });
    for (let i = 0; i < 3; i++) {
      const user = { kind: 'user' as const, id: `user_new_${i}`, createdAt: Date.now() - 1000 };
      fake.putUser(clerkObject(user, user.createdAt));
    }
    const before = Date.now();
    await reconcile({ db: database.db, api: api(fake) });

    const metrics = createWorkerMetrics({ readDrift: () => readDriftReport(database.db) });
    const text = await metrics.registry.metrics();
    const value = (entity: string, kind: string) =>
      Number(
        new RegExp(`^${metricNames.driftRows}\\{entity="${entity}",kind="${kind}"\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1],
      );
    expect(value('users', 'gone')).toBe(2);
    expect(value('users', 'outdated')).toBe(1);
    expect(value('users', 'missing')).toBe(3);
    expect(value('users', 'deleted_locally')).toBe(0);
    expect(value('organizations', 'gone')).toBe(0);
    expect(value('memberships', 'missing')).toBe(0);
    const at = Number(new RegExp(`^${metricNames.driftReportedAt} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(at * 1000).toBeGreaterThanOrEqual(before - 1000);
  });
});

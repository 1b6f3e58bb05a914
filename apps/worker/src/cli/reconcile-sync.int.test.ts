import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { catalogObject, clerkObject, FakeClerk } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClerkSync } from '../../test/run-clerk-sync.js';

const T0 = 1_760_000_000_000;
const schema = uniqueSchema('recon');
const own = new FakeClerk({ rateLimit: null, instanceId: 'ins_own' });
const stranger = new FakeClerk({
  rateLimit: null,
  secretKey: 'sk_test_stranger',
  instanceId: 'ins_stranger',
});
let database: ClerkDatabase;

const envFor = (fake: FakeClerk, extra: Record<string, string> = {}) => ({
  DATABASE_URL: testDatabaseUrl,
  DB_SCHEMA: schema,
  CLERK_SECRET_KEY: fake.secretKey,
  CLERK_API_URL: fake.url,
  ...extra,
});

const id = (i: number) => `user_cli_${String(i).padStart(3, '0')}`;

const tombstoned = async () =>
  (await database.db.selectFrom('users').select('id').where('deleted_at', 'is not', null).execute()).map(
    (r) => r.id,
  );

beforeAll(async () => {
  for (let i = 0; i < 100; i++)
    own.putUser(clerkObject({ kind: 'user', id: id(i), createdAt: T0 + i }, T0 + i));
  await Promise.all([own.start(), stranger.start()]);
  database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 1 });
  const backfill = await runClerkSync(['backfill'], envFor(own));
  expect(backfill.code).toBe(0);
});
afterAll(async () => {
  await Promise.all([own.close(), stranger.close()]);
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
  await database.close();
});

describe('clerk-sync reconcile', () => {
  it('refuses a key of another instance with exit 4, --force or not, and tombstones nothing', async () => {
    const run = await runClerkSync(['reconcile', '--apply', '--force'], envFor(stranger));
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^reconcile refused: Clerk answered 404 for 20 of 20 sampled local rows/m);
    expect(await tombstoned()).toEqual([]);

    const json = await runClerkSync(['reconcile', '--json'], envFor(stranger));
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({
      instance: { id: 'ins_stranger' },
      refusal: { reason: 'key_cannot_see_rows' },
      types: [],
    });
  });

  it('exits 0 without drift and 3 with it under --exit-code; --json prints only the report on stdout', async () => {
    const clean = await runClerkSync(['reconcile', '--exit-code'], envFor(own));
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('users');

    own.deleteUser(id(7));
    own.updateUser(id(8), { first_name: 'Later' }, T0 + 10_000);
    const drift = await runClerkSync(['reconcile', '--exit-code', '--json', '--verbose'], envFor(own));
    expect(drift.code).toBe(3);
    const report = JSON.parse(drift.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      instance: { id: 'ins_own', environmentType: 'development' },
      recordedInstance: { id: 'ins_own' },
      applied: false,
      refusal: null,
      drift: 2,
    });
    expect(report.types).toContainEqual({
      entity: 'users',
      inClerk: 99,
      local: 100,
      missing: 0,
      outdated: 1,
      gone: 1,
      deletedLocally: 0,
      applied: 0,
      ids: { missing: [], outdated: [id(8)], gone: [id(7)], deletedLocally: [] },
    });
    expect(drift.stderr).toContain('2 row(s) drifted');

    // Without --exit-code a run that finds drift still exits 0, as before.
    expect((await runClerkSync(['reconcile'], envFor(own))).code).toBe(0);
    const applied = await runClerkSync(['reconcile', '--apply', '--exit-code'], envFor(own));
    expect(applied.code).toBe(3);
    expect(await tombstoned()).toEqual([id(7)]);
    expect((await runClerkSync(['reconcile', '--exit-code'], envFor(own))).code).toBe(0);
  });

  it('refuses to tombstone more than RECONCILE_MAX_GONE_SHARE without --force (exit 4)', async () => {
    for (let i = 10; i < 20; i++) own.deleteUser(id(i));
    const refused = await runClerkSync(['reconcile', '--apply'], envFor(own));
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^reconcile refused: users: 10 of 99 live rows \(10\.1%\) are gone/m);
    expect(await tombstoned()).toEqual([id(7)]);

    const share = await runClerkSync(
      ['reconcile', '--apply'],
      envFor(own, { RECONCILE_MAX_GONE_SHARE: '0.2' }),
    );
    expect(share.code).toBe(0);
    expect(await tombstoned()).toHaveLength(11);
  });

  it('names a bad RECONCILE_MAX_GONE_SHARE with the other settings, and refuses --force without --apply (exit 2)', async () => {
    const run = await runClerkSync(['reconcile'], envFor(own, { RECONCILE_MAX_GONE_SHARE: '5%' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('RECONCILE_MAX_GONE_SHARE');
    const force = await runClerkSync(['reconcile', '--force'], envFor(own));
    expect(force.code).toBe(2);
    expect(force.stderr).toContain('--force only makes sense with --apply');
  });
});

describe('clerk-sync sync <id>', () => {
  it('writes the one object asked for, and exits 5 writing nothing when Clerk has none', async () => {
    own.putUser(clerkObject({ kind: 'user', id: 'user_cli_fresh', createdAt: T0 }, T0 + 50));
    const ok = await runClerkSync(['sync', 'user_cli_fresh'], envFor(own));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`user user_cli_fresh: written (version ${T0 + 50})\n`);
    // An older copy in Clerk (say, read from a lagging replica) does not overwrite the newer row.
    own.putUser(clerkObject({ kind: 'user', id: 'user_cli_fresh', createdAt: T0 }, T0 + 20));
    const older = await runClerkSync(['sync', 'user_cli_fresh'], envFor(own));
    expect(older.code).toBe(0);
    expect(older.stdout).toBe('user user_cli_fresh: the local row is newer; left unchanged\n');
    const row = await database.db
      .selectFrom('users')
      .select('version')
      .where('id', '=', 'user_cli_fresh')
      .executeTakeFirst();
    expect(row?.version).toBe(T0 + 50);

    const before = (await database.db.selectFrom('users').select('id').execute()).length;
    const missing = await runClerkSync(['sync', 'user_cli_nowhere'], envFor(own));
    expect(missing.code).toBe(5);
    expect(missing.stderr).toBe('no user user_cli_nowhere in Clerk; nothing written\n');
    // A live row Clerk answers 404 for stays live: one answer does not prove a deletion.
    const live = await runClerkSync(['sync', id(30)], envFor(stranger));
    expect(live.code).toBe(5);
    expect((await database.db.selectFrom('users').select('id').execute()).length).toBe(before);
    expect(await tombstoned()).not.toContain(id(30));
  });

  it('syncs a role by its prefix, and an invitation through the organization named', async () => {
    own.putOrganization(clerkObject({ kind: 'organization', id: 'org_cli_inv', createdAt: T0 }, T0 + 1));
    own.put(catalogObject({ kind: 'role', id: 'role_cli', createdAt: T0 }, T0 + 7));
    const invitation = {
      kind: 'organization_invitation',
      id: 'orginv_cli',
      createdAt: T0,
      organizationId: 'org_cli_inv',
    } as const;
    own.put(catalogObject(invitation, T0 + 9));
    const role = await runClerkSync(['sync', 'role_cli'], envFor(own));
    expect(role.stdout).toBe(`role role_cli: written (version ${T0 + 7})\n`);
    const unnamed = await runClerkSync(['sync', 'orginv_cli'], envFor(own));
    expect(unnamed.code).toBe(5);
    expect(unnamed.stderr).toContain('name its organization');
    const named = await runClerkSync(['sync', 'orginv_cli', '--organization', 'org_cli_inv'], envFor(own));
    expect(named.code).toBe(0);
    expect(named.stdout).toBe(`organization_invitation orginv_cli: written (version ${T0 + 9})\n`);
    const rows = await database.db
      .selectFrom('organization_invitations')
      .select(['id', 'organization_id', 'version'])
      .execute();
    expect(rows).toEqual([{ id: 'orginv_cli', organization_id: 'org_cli_inv', version: T0 + 9 }]);
  });

  it('exits 2 for a missing id, an unknown prefix, a waitlist entry or a bad --kind', async () => {
    const [none, prefix, kind, waitlist] = await Promise.all([
      runClerkSync(['sync'], envFor(own)),
      runClerkSync(['sync', 'sess_123'], envFor(own)),
      runClerkSync(['sync', 'x_1', '--kind', 'session'], envFor(own)),
      runClerkSync(['sync', 'wle_123'], envFor(own)),
    ]);
    for (const run of [none, prefix, kind, waitlist]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('usage: clerk-sync sync');
    }
    expect(prefix.stderr).toContain('cannot tell the kind of sess_123');
  });
});

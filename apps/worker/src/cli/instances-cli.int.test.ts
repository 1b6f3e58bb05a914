import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase, sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClerkSync } from '../../test/run-clerk-sync.js';

const at = Date.UTC(2026, 5, 1);

/** Instance ids of the rows of `table`, by id. */
async function owners(
  database: ClerkDatabase,
  table: 'users' | 'webhook_events',
): Promise<Record<string, string | null>> {
  const key = table === 'users' ? 'id' : 'svix_id';
  const { rows } = await sql<{ key: string; instance_id: string | null }>`
    SELECT ${sql.ref(key)} AS key, instance_id FROM ${sql.table(`${database.schema}.${table}`)} ORDER BY 1`.execute(
    database.db,
  );
  return Object.fromEntries(rows.map((r) => [r.key, r.instance_id]));
}

/** Users written as an older version wrote them: no instance recorded. */
async function legacyUsers(database: ClerkDatabase, ids: string[]): Promise<void> {
  const events = ids.map((id, i) =>
    prepareEvent({
      svixId: `msg_legacy_${id}_${i}`,
      receivedAt: at,
      event: makeEvent({ kind: 'user', id, createdAt: at }, 'created', at) as never,
    }),
  );
  await applyEvents(
    database.db,
    events.map((e) => ({ ...e, instanceId: null })),
  );
}

describe('clerk-sync adopt-instance', () => {
  let database: ClerkDatabase;
  const schema = uniqueSchema('adopt');
  const env = { DATABASE_URL: testDatabaseUrl, DB_SCHEMA: schema };
  beforeAll(async () => {
    database = await openTestDatabase('postgres', schema);
    await legacyUsers(database, ['user_old_1', 'user_old_2', 'user_old_3']);
    // A row some instance already owns is never moved.
    const owned = prepareEvent({
      svixId: 'msg_owned',
      receivedAt: at,
      event: makeEvent({ kind: 'user', id: 'user_owned', createdAt: at }, 'created', at) as never,
    });
    await applyEvents(database.db, [{ ...owned, instanceId: 'ins_other' }]);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses to guess the id, and refuses an id that contradicts the configuration', async () => {
    const [missing, contradicts, malformed] = await Promise.all([
      runClerkSync(['adopt-instance'], env),
      runClerkSync(['adopt-instance', '--id', 'ins_B'], { ...env, CLERK_INSTANCE_ID: 'ins_A' }),
      runClerkSync(['adopt-instance', '--id', 'user_1'], env),
    ]);
    for (const run of [missing, contradicts, malformed]) expect(run.code).toBe(2);
    expect(missing.stderr).toContain('instance default has no configured id: pass --id ins_…');
    expect(contradicts.stderr).toContain(
      '--id ins_B contradicts the configured id of instance default (ins_A)',
    );
    expect(malformed.stderr).toContain('--id: "user_1" is not a Clerk instance id');
    expect(Object.values(await owners(database, 'users'))).toContain(null);
  });

  it('counts with --dry-run, assigns every row that records none, and then has nothing left to do', async () => {
    const dry = await runClerkSync(['adopt-instance', '--id', 'ins_A', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      instance: 'default',
      id: 'ins_A',
      schema,
      dryRun: true,
      unadopted: { users: 3, webhook_events: 3 },
      adopted: {},
    });
    expect((await owners(database, 'users')).user_old_1).toBeNull();

    const run = await runClerkSync(['adopt-instance'], { ...env, CLERK_INSTANCE_ID: 'ins_A' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/users\s+3\s+3/);
    expect(run.stdout).toMatch(/webhook_events\s+3\s+3/);
    expect(run.stdout).toContain(`schema ${schema}: rows assigned to default (ins_A)`);
    expect(await owners(database, 'users')).toEqual({
      user_old_1: 'ins_A',
      user_old_2: 'ins_A',
      user_old_3: 'ins_A',
      user_owned: 'ins_other',
    });
    expect(Object.values(await owners(database, 'webhook_events'))).not.toContain(null);

    const again = await runClerkSync(['adopt-instance', '--id', 'ins_A'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to adopt');
  });

  it('works on the schema of the instance --instance names', async () => {
    const other = uniqueSchema('adopt_dev');
    const dev = await openTestDatabase('postgres', other);
    try {
      await legacyUsers(dev, ['user_dev_1']);
      const named = { ...env, CLERK_INSTANCES: `prod:ins_A,dev:ins_D:${other}` };
      const ambiguous = await runClerkSync(['adopt-instance'], named);
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toContain(
        'several Clerk instances are configured (prod, dev): pass --instance <name>',
      );
      const unknown = await runClerkSync(['adopt-instance', '--instance', 'qa'], named);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('--instance: no instance "qa" in CLERK_INSTANCES (prod, dev)');
      const run = await runClerkSync(['adopt-instance', '--instance', 'dev'], named);
      expect(run.code).toBe(0);
      expect(await owners(dev, 'users')).toEqual({ user_dev_1: 'ins_D' });
    } finally {
      await dev.close();
    }
  });
});

describe('clerk-sync with several instances: the key must be the instance’s', () => {
  const fakes: FakeClerk[] = [];
  let database: ClerkDatabase;
  const schema = uniqueSchema('inst_cli');
  beforeAll(async () => {
    database = await openTestDatabase('postgres', schema);
    for (const [instanceId, secretKey] of [
      ['ins_prod', 'sk_test_prod'],
      ['ins_dev', 'sk_test_dev'],
    ] as const) {
      const fake = new FakeClerk({ instanceId, secretKey });
      fake.seed({ users: 3, organizations: 0, memberships: 0 });
      await fake.start();
      fakes.push(fake);
    }
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await database?.close();
  });

  it('reads CLERK_SECRET_KEY_<NAME>, refuses the key of another instance, and writes as the instance', async () => {
    const [prod, dev] = fakes as [FakeClerk, FakeClerk];
    const base = {
      DATABASE_URL: testDatabaseUrl,
      DB_SCHEMA: schema,
      CLERK_INSTANCES: 'prod:ins_prod,dev:ins_dev',
      CLERK_API_URL: prod.url,
    };
    const noKey = await runClerkSync(['backfill', '--instance', 'prod'], base);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('CLERK_SECRET_KEY_PROD: is required');

    const bare = await runClerkSync(['backfill', '--instance', 'prod'], {
      ...base,
      CLERK_SECRET_KEY: 'sk_test_prod',
    });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('CLERK_SECRET_KEY: is ambiguous with CLERK_INSTANCES');

    // dev's key against instance prod: Clerk says it is ins_dev, so nothing is read or written.
    const wrong = await runClerkSync(['backfill', '--instance', 'prod'], {
      ...base,
      CLERK_API_URL: dev.url,
      CLERK_SECRET_KEY_PROD: 'sk_test_dev',
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      'CLERK_SECRET_KEY_PROD: belongs to Clerk instance ins_dev, but instance prod is configured as ins_prod',
    );
    expect(wrong.stderr).not.toContain('sk_test_dev');
    expect(dev.requestsTo('/v1/users')).toEqual([]);
    expect(await owners(database, 'users')).toEqual({});

    // A key Clerk will not name proves nothing: refused too.
    const hidden = new FakeClerk({
      instanceId: 'ins_dev',
      secretKey: 'sk_test_hidden',
      instanceReadable: false,
    });
    hidden.seed({ users: 2, organizations: 0, memberships: 0 });
    await hidden.start();
    fakes.push(hidden);
    const unconfirmed = await runClerkSync(['backfill', '--instance', 'prod'], {
      ...base,
      CLERK_API_URL: hidden.url,
      CLERK_SECRET_KEY_PROD: 'sk_test_hidden',
    });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(
      'CLERK_SECRET_KEY_PROD: could not be confirmed as a key of ins_prod (instance prod): GET /v1/instance gave no id',
    );
    expect(hidden.requestsTo('/v1/users')).toEqual([]);

    const right = await runClerkSync(['backfill', '--instance', 'prod'], {
      ...base,
      CLERK_SECRET_KEY_PROD: 'sk_test_prod',
    });
    expect(right.code, right.stderr).toBe(0);
    const rows = await owners(database, 'users');
    expect(Object.keys(rows)).toHaveLength(3);
    expect(new Set(Object.values(rows))).toEqual(new Set(['ins_prod']));
  });
});

describe('clerk-sync migrate with instances of their own schema', () => {
  it('migrates DB_SCHEMA and each instance schema', async () => {
    const [shared, own] = [uniqueSchema('mig_shared'), uniqueSchema('mig_own')];
    const run = await runClerkSync(['migrate'], {
      DATABASE_URL: testDatabaseUrl,
      DB_SCHEMA: shared,
      CLERK_INSTANCES: `prod:ins_prod,dev:ins_dev:${own}`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`migrated schema "${shared}"`);
    expect(run.stdout).toContain(`migrated schema "${own}"`);
    const database = await openTestDatabase('postgres', own);
    try {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM information_schema.columns
        WHERE table_schema = ${own} AND column_name = 'instance_id'`.execute(database.db);
      expect(rows[0]?.n).toBeGreaterThan(10);
    } finally {
      await database.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { openDatabase } from '@clerk-sync/db';
import { type PgBouncer, sql, startPgBouncer, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import {
  type ClerkEnvelope,
  clerkObject,
  type FactoryEntity,
  FakeClerk,
  makeEvent,
} from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test/harness.js';
import { runClerkSync } from '../test/run-clerk-sync.js';

const T0 = 1_760_000_000_000;

/**
 * The whole pipeline through Debian's PgBouncer in `pool_mode = transaction`, as Supabase's and
 * Neon's pooled connection strings give it: two server connections shared by every client, so any
 * session state (search_path, a session advisory lock, a prepared statement) would break something.
 */
describe('through PgBouncer in transaction mode', () => {
  const schema = uniqueSchema('pgb');
  const run = randomUUID().slice(0, 8);
  let bouncer: PgBouncer;
  let harness: Harness | undefined;
  let fake: FakeClerk | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    bouncer = await startPgBouncer(testDatabaseUrl, 2);
    env = { DATABASE_URL: bouncer.url, DB_SCHEMA: schema };
  });
  afterAll(async () => {
    await harness?.close();
    await fake?.close();
    await bouncer?.stop();
    const admin = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 1 });
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(admin.db);
    await admin.close();
  });

  it('is a pooler that refuses startup options, as the issue reports', async () => {
    const url = new URL(bouncer.url);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const database = await openDatabase({ databaseUrl: url.toString(), schema, pgliteDir: '', poolSize: 1 });
    try {
      await expect(sql`SELECT 1`.execute(database.db)).rejects.toThrow(
        /unsupported startup parameter: options/,
      );
    } finally {
      await database.close();
    }
  });

  it('migrates with `clerk-sync migrate`, also from three processes at once', async () => {
    const first = await runClerkSync(['migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`migrated schema "${schema}"`);
    const again = await Promise.all([1, 2, 3].map(() => runClerkSync(['migrate'], env)));
    for (const r of again) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('is up to date');
    }
  });

  it('applies a shuffled history with duplicates from the ingest, through the worker, to the same rows', async () => {
    harness = await startHarness({
      backend: 'postgres',
      databaseUrl: bouncer.url,
      workerEnv: { DB_SCHEMA: schema },
    });
    const alice: FactoryEntity = { kind: 'user', id: `user_alice_${run}`, createdAt: T0 };
    const bob: FactoryEntity = { kind: 'user', id: `user_bob_${run}`, createdAt: T0 };
    const org: FactoryEntity = { kind: 'organization', id: `org_${run}`, createdAt: T0 };
    const membership: FactoryEntity = {
      kind: 'organization_membership',
      id: `orgmem_${run}`,
      createdAt: T0 + 5,
      userId: alice.id,
      organizationId: org.id,
    };
    const events: ClerkEnvelope[] = [
      makeEvent(membership, 'created', T0 + 5),
      makeEvent(alice, 'created', T0),
      makeEvent(alice, 'updated', T0 + 10),
      makeEvent(alice, 'updated', T0 + 20),
      makeEvent(bob, 'created', T0),
      makeEvent(bob, 'deleted', T0 + 30),
      makeEvent(bob, 'updated', T0 + 40),
      makeEvent(org, 'created', T0),
      makeEvent(org, 'updated', T0 + 3),
      makeEvent(membership, 'updated', T0 + 6),
    ];
    const deliveries = events.flatMap((event, i) => {
      const one = { svixId: `msg_${run}_${i}`, event };
      return i % 3 === 0 ? [one, one, one] : [one];
    });
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [deliveries[i], deliveries[j]] = [
        deliveries[j] as (typeof deliveries)[0],
        deliveries[i] as (typeof deliveries)[0],
      ];
    }
    const statuses = await Promise.all(deliveries.map((d) => harness?.deliver(d.event, d.svixId)));
    expect(statuses.filter((s) => s === 202)).toHaveLength(events.length);
    await harness.idle();

    const db = harness.worker.database.db;
    const users = await db
      .selectFrom('users')
      .select(['id', 'version', 'deleted_at'])
      .orderBy('id')
      .execute();
    expect(users).toEqual([
      { id: alice.id, version: T0 + 20, deleted_at: null },
      { id: bob.id, version: T0 + 30, deleted_at: expect.any(Date) },
    ]);
    const members = await db
      .selectFrom('organization_members')
      .select(['user_id', 'organization_id'])
      .execute();
    expect(members).toEqual([{ user_id: alice.id, organization_id: org.id }]);
    const inbox = await db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    expect(Number(inbox?.n)).toBe(events.length);

    fake = new FakeClerk({ rateLimit: null });
    fake.putUser(clerkObject(alice, T0 + 20));
    fake.putOrganization(clerkObject(org, T0 + 3));
    fake.putMembership(clerkObject(membership, T0 + 6));
  });

  it('backfills from the fake Clerk, reconciles a user deleted there, and reports stats', async () => {
    if (!fake || !harness) throw new Error('needs the previous test');
    for (let i = 0; i < 25; i++) {
      fake.putUser(clerkObject({ kind: 'user', id: `user_bf_${run}_${i}`, createdAt: T0 + i }, T0 + 100 + i));
    }
    await fake.start();
    const clerkEnv = { ...env, CLERK_SECRET_KEY: fake.secretKey, CLERK_API_URL: fake.url };
    const backfill = await runClerkSync(['backfill'], clerkEnv);
    expect(backfill.stderr).not.toMatch(/failed|error/i);
    expect(backfill.code).toBe(0);

    fake.deleteUser(`user_bf_${run}_7`);
    const reconcile = await runClerkSync(['reconcile', '--apply'], clerkEnv);
    expect(reconcile.code).toBe(0);

    const db = harness.worker.database.db;
    const gone = await db
      .selectFrom('users')
      .select(['id'])
      .where('deleted_at', 'is not', null)
      .orderBy('id')
      .execute();
    expect(gone.map((u) => u.id)).toEqual([`user_bf_${run}_7`, `user_bob_${run}`]);

    const stats = await runClerkSync(['stats', '--json'], env);
    expect(stats.code).toBe(0);
    const report = JSON.parse(stats.stdout) as { totals: Record<string, number> };
    expect(report.totals).toMatchObject({ users: 25, deletedUsers: 2, organizations: 1, memberships: 1 });
  });
});

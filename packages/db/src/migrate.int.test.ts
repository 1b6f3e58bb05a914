import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareEvent } from '@clerk-sync/events';
import { type FactoryEntity, makeEvent } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents } from './apply/apply-events.js';
import { dbConfigFromEnv, dbEnv } from './db-env.js';
import { migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';
import { type ClerkDatabase, openDatabase } from './open-database.js';
import { backends, openTestDatabase, testDatabaseUrl, uniqueSchema } from './testing/test-database.js';

describe('migrateToLatest on postgres', () => {
  it('creates the schema once, even when several processes race to migrate it', async () => {
    const schema = uniqueSchema();
    const opened = await Promise.all(
      [1, 2, 3].map(() =>
        openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: 'memory://', poolSize: 2 }),
      ),
    );
    try {
      const results = await Promise.all(opened.map((o) => migrateToLatest(o.db, schema)));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, Object.keys(migrations).length]);
      expect((await migrateToLatest(opened[0]?.db as ClerkDatabase['db'], schema)).applied).toEqual([]);
      const tables = await sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`.execute(
        opened[0]?.db as ClerkDatabase['db'],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['users', 'organizations', 'organization_memberships', 'webhook_events']),
      );
    } finally {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(
        opened[0]?.db as ClerkDatabase['db'],
      );
      await Promise.all(opened.map((o) => o.close()));
    }
  });

  it('reports a failure instead of continuing on a broken database', async () => {
    const opened = await openDatabase({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
      schema: 'clerk',
      pgliteDir: 'memory://',
      poolSize: 1,
    });
    await expect(migrateToLatest(opened.db, 'clerk')).rejects.toThrow();
    await opened.close();
  });
});

describe('embedded PGlite', () => {
  it('keeps data on disk between openings, with the same migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-pglite-'));
    try {
      const config = dbConfigFromEnv(dbEnv.parse({ PGLITE_DIR: dir }));
      expect(config.databaseUrl).toBeUndefined();
      const first = await openDatabase(config);
      expect(first.kind).toBe('pglite');
      expect((await migrateToLatest(first.db, config.schema)).applied).toHaveLength(
        Object.keys(migrations).length,
      );
      const entity: FactoryEntity = { kind: 'user', id: 'user_disk', createdAt: 1_700_000_000_000 };
      await applyEvents(first.db, [
        prepareEvent({
          v: 1,
          svixId: 'msg_disk',
          receivedAt: 0,
          event: makeEvent(entity, 'created', 1_700_000_000_000) as never,
        }),
      ]);
      await first.close();
      const second = await openDatabase(config);
      expect((await migrateToLatest(second.db, config.schema)).applied).toEqual([]);
      const row = await second.db.selectFrom('users').select('id').executeTakeFirst();
      expect(row).toEqual({ id: 'user_disk' });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(backends)('analytics views on %s', (backend) => {
  let database: ClerkDatabase;
  const week = Date.UTC(2026, 0, 5); // a Monday
  const day = 86_400_000;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const events = [
      makeEvent({ kind: 'user', id: 'user_1', createdAt: week }, 'created', week),
      makeEvent({ kind: 'user', id: 'user_2', createdAt: week + day }, 'created', week + day),
      makeEvent({ kind: 'user', id: 'user_3', createdAt: week + 7 * day }, 'created', week + 7 * day),
      makeEvent({ kind: 'user', id: 'user_3', createdAt: week + 7 * day }, 'deleted', week + 8 * day),
      makeEvent({ kind: 'organization', id: 'org_1', createdAt: week }, 'created', week),
      ...[
        ['orgmem_1', 'user_1', week + 1],
        ['orgmem_2', 'user_2', week + 2],
        ['orgmem_3', 'user_3', week + 3],
      ].map(([id, userId, version]) =>
        makeEvent(
          {
            kind: 'organization_membership',
            id: String(id),
            createdAt: week,
            userId: String(userId),
            organizationId: 'org_1',
          },
          'created',
          Number(version),
        ),
      ),
      makeEvent(
        {
          kind: 'organization_membership',
          id: 'orgmem_3',
          createdAt: week,
          userId: 'user_3',
          organizationId: 'org_1',
        },
        'deleted',
        week + 8 * day,
      ),
    ];
    await applyEvents(
      database.db,
      events.map((event, i) =>
        prepareEvent({ v: 1, svixId: `msg_view_${i}`, receivedAt: 0, event: event as never }),
      ),
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('counts signups per week, deleted users included', async () => {
    const rows = await database.db.selectFrom('signups_per_week').selectAll().orderBy('week').execute();
    expect(rows.map((r) => [r.week.toISOString().slice(0, 10), r.signups])).toEqual([
      ['2026-01-05', 2],
      ['2026-01-12', 1],
    ]);
  });

  it('counts organizations per week', async () => {
    const rows = await database.db.selectFrom('organizations_per_week').selectAll().execute();
    expect(rows.map((r) => r.organizations)).toEqual([1]);
  });

  it('lists live members and their roles per organization', async () => {
    const members = await database.db
      .selectFrom('organization_members')
      .selectAll()
      .orderBy('user_id')
      .execute();
    expect(members.map((m) => [m.user_id, m.role])).toEqual([
      ['user_1', 'org:member'],
      ['user_2', 'org:admin'],
    ]);
    const roles = await database.db.selectFrom('organization_roles').selectAll().orderBy('role').execute();
    expect(roles.map((r) => [r.organization_name, r.role, r.members])).toEqual([
      [`Org org_1 v${week}`, 'org:admin', 1],
      [`Org org_1 v${week}`, 'org:member', 1],
    ]);
  });

  it('counts organizations per user', async () => {
    const rows = await database.db.selectFrom('user_organizations').selectAll().orderBy('user_id').execute();
    expect(rows.map((r) => [r.user_id, r.organizations, r.organization_ids])).toEqual([
      ['user_1', 1, ['org_1']],
      ['user_2', 1, ['org_1']],
    ]);
  });
});

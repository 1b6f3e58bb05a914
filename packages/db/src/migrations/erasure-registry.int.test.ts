import { addressHash } from '@clerk-sync/events';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../migrate.js';
import { type ClerkDatabase, openDatabase } from '../open-database.js';
import { backends, testDatabaseUrl, uniqueSchema } from '../testing/test-database.js';
import { migrations } from './index.js';

const registry = '2026-11-24T2010-erasure-registry';
/** The migration just before the registry, whichever it is. */
const before =
  Object.keys(migrations)
    .sort()
    .filter((name) => name < registry)
    .at(-1) ?? '';

/** A schema migrated up to the migration before the registry, with rows an older version wrote. */
describe.each(backends)('the erasure-registry migration on %s', (backend) => {
  const schema = uniqueSchema('er');
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openDatabase({
      databaseUrl: backend === 'postgres' ? testDatabaseUrl : undefined,
      schema,
      pgliteDir: 'memory://',
      poolSize: 1,
    });
    await database.db
      .withoutPlugins()
      .transaction()
      .execute(async (trx) => {
        await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx);
        await sql`SELECT set_config('search_path', ${`"${schema}"`}, true)`.execute(trx);
        const migrator = new Migrator({
          db: trx,
          provider: { getMigrations: async () => migrations },
          migrationTableSchema: schema,
        });
        const { error } = await migrator.migrateTo(before);
        if (error) throw error;
        await sql`
          INSERT INTO users (id, email, phone_number, version, last_event_id, deleted_at) VALUES
            ('user_live', 'Live@Example.test', '+15555550199', 1, 'msg_live', NULL),
            ('user_gone', NULL, NULL, 2, 'msg_gone', now())`.execute(trx);
        await sql`
          INSERT INTO tombstones (entity, id, deleted_at, version, last_event_id)
          VALUES ('users', 'user_hard', now(), 3, 'msg_hard')`.execute(trx);
        await sql`
          INSERT INTO organization_invitations (id, email_address, user_id, version)
          VALUES ('orginv_live', 'accepted@example.test', 'user_live', 1)`.execute(trx);
      });
    // This migration first, then whatever came after it.
    expect((await migrateToLatest(database.db, schema)).applied).toEqual(
      Object.keys(migrations).filter((name) => name > before),
    );
    expect(Object.keys(migrations).filter((name) => name > before)[0]).toBe(
      '2026-11-24T2010-erasure-registry',
    );
  });
  afterAll(async () => {
    if (backend === 'postgres')
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database?.close();
  });

  it('registers the users deleted before it, under the deletes that removed them', async () => {
    const rows = await sql<{ subject: string; kind: string; user_id: string; event_id: string }>`
      SELECT subject, kind, user_id, event_id FROM ${sql.table(`${schema}.erased_subjects`)} ORDER BY subject`.execute(
      database.db,
    );
    expect(rows.rows).toEqual([
      { subject: 'user_gone', kind: 'user', user_id: 'user_gone', event_id: 'msg_gone' },
      { subject: 'user_hard', kind: 'user', user_id: 'user_hard', event_id: 'msg_hard' },
    ]);
  });

  it('hashes the addresses it already holds for live users, so their later delete finds them', async () => {
    const rows = await sql<{ user_id: string; hash: string; kind: string }>`
      SELECT user_id, hash, kind FROM ${sql.table(`${schema}.user_address_hashes`)} ORDER BY hash`.execute(
      database.db,
    );
    const expected = [
      { user_id: 'user_live', hash: addressHash('live@example.test'), kind: 'email' },
      { user_id: 'user_live', hash: addressHash('+15555550199'), kind: 'phone' },
      { user_id: 'user_live', hash: addressHash('accepted@example.test'), kind: 'email' },
    ];
    expect(rows.rows).toEqual(expected.sort((a, b) => ((a.hash ?? '') < (b.hash ?? '') ? -1 : 1)));
  });
});

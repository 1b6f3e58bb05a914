import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { migrateToLatest } from '../migrate.js';
import { type ClerkDatabase, openDatabase } from '../open-database.js';

export type Backend = 'postgres' | 'pglite';

/** Both backends the product supports; integration tests run against each. */
export const backends: readonly Backend[] = ['postgres', 'pglite'];

/** The real Postgres that tests use: `TEST_DATABASE_URL`, else `DATABASE_URL`, else the local `test` db. */
export const testDatabaseUrl =
  process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, so test files and runs never see each other's rows. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/**
 * Opens a migrated, empty database for one test file: a new schema on the shared Postgres, or an
 * in-memory PGlite. `close()` drops the schema (Postgres) before closing.
 */
export async function openTestDatabase(backend: Backend, schema = uniqueSchema()): Promise<ClerkDatabase> {
  const opened = await openDatabase({
    databaseUrl: backend === 'postgres' ? testDatabaseUrl : undefined,
    schema,
    pgliteDir: 'memory://',
    poolSize: 5,
  });
  await migrateToLatest(opened.db, schema);
  const close = async () => {
    if (backend === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(opened.db);
    await opened.close();
  };
  return { ...opened, close };
}

/**
 * Kysely's `sql` tag, for tests that check rows with a query of their own: the apps take it from
 * here, so that only packages/db depends on Kysely.
 *
 * @example const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(`${schema}.users`)}`.execute(db);
 */
export { sql } from 'kysely';
export { type PgBouncer, startPgBouncer } from './pgbouncer.js';

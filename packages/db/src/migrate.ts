import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Database } from './database.js';
import { assertSchemaName } from './db-config.js';
import { migrations } from './migrations/index.js';

export interface MigrateResult {
  /** Names of the migrations this call ran, in order; empty when the schema was current. */
  applied: string[];
}

/**
 * Brings `schema` up to date. Safe to call from several processes at once: the schema is created
 * under a transaction-scoped advisory lock, and Kysely's Migrator holds its own advisory lock while it
 * runs the migrations. Throws on failure; callers exit non-zero.
 */
export async function migrateToLatest(db: Kysely<Database>, schema: string): Promise<MigrateResult> {
  assertSchemaName(schema);
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`clerk-sync:schema:${schema}`}))`.execute(trx);
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(trx);
  });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

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
 * Brings `schema` up to date, in one transaction: an advisory lock scoped to that transaction (so
 * concurrent callers wait, and a transaction-mode pooler never keeps a lock on a server connection),
 * the schema, Kysely's bookkeeping tables, then every pending migration. When nothing is pending it
 * only reads, so a role with DML rights alone can call it (as the CLIs do). Migrations are frozen code
 * with unqualified names, so the transaction sets its own `search_path` with `set_config(…, true)`;
 * nothing outside it depends on that. Throws on failure, having changed nothing; callers exit non-zero.
 */
export async function migrateToLatest(db: Kysely<Database>, schema: string): Promise<MigrateResult> {
  assertSchemaName(schema);
  // Without the caller's plugins: Kysely's Migrator qualifies its own tables with `schema`.
  return db
    .withoutPlugins()
    .transaction()
    .execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`clerk-sync:schema:${schema}`}))`.execute(trx);
      // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT
      // EXISTS, and a runtime role without it must still get through here when nothing is pending.
      const found = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${schema}`.execute(trx);
      if (!found.rows[0]?.n) await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx);
      await sql`SELECT set_config('search_path', ${sql.lit(`"${schema}"`)}, true)`.execute(trx);
      const migrator = new Migrator({
        db: trx,
        provider: { getMigrations: async () => migrations },
        migrationTableSchema: schema,
      });
      const { error, results = [] } = await migrator.migrateToLatest();
      if (error) {
        const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
        throw new Error(
          `migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
    });
}

/**
 * The migrations this version knows that `schema` has not had, read-only: what a worker started with
 * `MIGRATE_ON_START=false` checks, as a role that may not create anything. All of them when the schema
 * was never migrated.
 */
export async function pendingMigrations(db: Kysely<Database>, schema: string): Promise<string[]> {
  assertSchemaName(schema);
  const table = `"${schema}"."kysely_migration"`;
  const { rows } = await sql<{ exists: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS exists`.execute(
    db,
  );
  const applied = new Set<string>();
  if (rows[0]?.exists) {
    const done = await sql<{
      name: string;
    }>`SELECT name FROM ${sql.table(`${schema}.kysely_migration`)}`.execute(db);
    for (const { name } of done.rows) applied.add(name);
  }
  return Object.keys(migrations)
    .sort()
    .filter((name) => !applied.has(name));
}

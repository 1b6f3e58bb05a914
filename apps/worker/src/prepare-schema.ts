import { type ClerkDatabase, migrateToLatest, pendingMigrations } from '@clerk-sync/db';
import type { WorkerEnv } from './env.js';

/**
 * Makes sure the schema is usable before anything reads or writes it. With `MIGRATE_ON_START=true` it
 * migrates (the owner's way); with `false` it only checks, so a runtime role with DML grants alone can
 * start, and a schema that is behind stops the process with a message saying who must migrate it.
 * The worker and every `clerk-sync` command that touches the database go through here.
 *
 * @returns the migrations this call ran (always empty with `MIGRATE_ON_START=false`).
 */
export async function prepareSchema(
  database: ClerkDatabase,
  env: Pick<WorkerEnv, 'MIGRATE_ON_START' | 'db'>,
): Promise<string[]> {
  if (env.MIGRATE_ON_START) return (await migrateToLatest(database.db, env.db.schema)).applied;
  const pending = await pendingMigrations(database.db, env.db.schema);
  if (pending.length > 0) {
    throw new Error(
      `schema "${env.db.schema}" is not at the latest migration (missing ${pending.join(', ')}); ` +
        'run `pnpm db:migrate` as the owning role, or set MIGRATE_ON_START=true',
    );
  }
  return [];
}

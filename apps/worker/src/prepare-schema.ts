import { type ClerkDatabase, countUnadopted, migrateToLatest, pendingMigrations } from '@clerk-sync/db';
import type { WorkerEnv, WorkerInstance } from './env.js';

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
  schema: string = env.db.schema,
): Promise<string[]> {
  const db = database.inSchema(schema);
  if (env.MIGRATE_ON_START) return (await migrateToLatest(db, schema)).applied;
  const pending = await pendingMigrations(db, schema);
  if (pending.length > 0) {
    throw new Error(
      `schema "${schema}" is not at the latest migration (missing ${pending.join(', ')}); ` +
        'run `pnpm db:migrate` as the owning role, or set MIGRATE_ON_START=true',
    );
  }
  return [];
}

/**
 * Refuses to serve several instances from a schema that still holds rows recording no instance:
 * the first instance to write one would claim it, whoever it belonged to. `clerk-sync adopt-instance`
 * assigns them first. A schema that one instance serves alone needs no such step.
 */
export async function checkSharedSchemas(
  database: ClerkDatabase,
  instances: readonly WorkerInstance[],
): Promise<void> {
  for (const [schema, sharing] of Map.groupBy(instances, (i) => i.schema)) {
    if (sharing.length < 2) continue;
    const unadopted = await countUnadopted(database.inSchema(schema));
    const tables = Object.entries(unadopted).map(([table, n]) => `${table} (${n})`);
    if (tables.length > 0) {
      throw new Error(
        `schema "${schema}" serves instances ${sharing.map((i) => i.name).join(', ')} but holds rows that record no instance: ` +
          `${tables.join(', ')}. Assign them to the instance they came from first: clerk-sync adopt-instance --instance <name>`,
      );
    }
  }
}

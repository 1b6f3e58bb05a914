import { type Kysely, sql } from 'kysely';
import { commentOnEverything } from '../schema/comment-on-everything.js';
import { auditedTables } from './2026-11-24T0910-create-audit-log.js';

/** The tables that record their instance, with the key their unadopted-rows index covers. */
export const instanceTables = [
  ...auditedTables.map((name) => ({ name, key: 'id' })),
  { name: 'webhook_events', key: 'svix_id' },
  { name: 'messages', key: 'id' },
  { name: 'tombstones', key: 'entity, id' },
] as const;

/**
 * Several Clerk instances (issue #18): every synced row, inbox row, message and hard-delete tombstone
 * records the instance (`ins_…`) it came from. Rows written before keep `instance_id` NULL: the
 * migration cannot know whose they are. `clerk-sync adopt-instance` assigns them explicitly; until
 * then the first write of an instance claims a NULL row, and a worker refuses to serve two instances
 * from a schema that still holds NULL rows. A small partial index per table finds them.
 *
 * `<table>_live` views are replaced so that they show the new column (it is added last, so
 * `CREATE OR REPLACE VIEW … SELECT *` only appends it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no current schema to migrate');
  const t = (name: string) => sql.table(`${schema}.${name}`);
  for (const { name, key } of instanceTables) {
    await sql`ALTER TABLE ${t(name)} ADD COLUMN instance_id text`.execute(db);
    await sql`CREATE INDEX ${sql.id(`${name}_unadopted_idx`)} ON ${t(name)} (${sql.raw(key)}) WHERE instance_id IS NULL`.execute(
      db,
    );
  }
  // Erasure is per instance too: an entry clears only rows of the deleted user's instance (NULL:
  // entries from before, which keep clearing every row that matches).
  await sql`ALTER TABLE ${t('erased_subjects')} ADD COLUMN instance_id text`.execute(db);
  for (const name of auditedTables) {
    await sql`CREATE OR REPLACE VIEW ${t(`${name}_live`)} AS SELECT * FROM ${t(name)} WHERE deleted_at IS NULL`.execute(
      db,
    );
  }
  await commentOnEverything(db, schema);
}

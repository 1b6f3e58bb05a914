import { type Kysely, sql } from 'kysely';
import { commentOnEverything } from '../schema/comment-on-everything.js';
import { auditedTables } from './2026-11-24T0910-create-audit-log.js';

/**
 * What an application reads (issue #19):
 * - `<table>_live` for every synced table: its rows without tombstones.
 * - `changes`, the change feed. A deferred constraint trigger on `audit_log` (which every write path
 *   already goes through) appends one row per audit row at commit, and notifies `clerk_changes` with
 *   `{schema, seq, entity, id, op}`. It first takes a per-schema advisory lock held until commit, so
 *   `seq` is handed out in commit order: a reader that has seen `seq` n can never later find a
 *   committed change below n. The lock is held only for the commit itself (the trigger runs then).
 * - `COMMENT ON` every table, view and column, so `\d+` explains them. The texts come from
 *   `schema/comments.ts`; a later change to a text belongs in a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no current schema to migrate');
  const t = (name: string) => sql.table(`${schema}.${name}`);

  for (const table of auditedTables) {
    await sql`CREATE VIEW ${t(`${table}_live`)} AS SELECT * FROM ${t(table)} WHERE deleted_at IS NULL`.execute(
      db,
    );
  }

  await sql`
    CREATE TABLE ${t('changes')} (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      entity text NOT NULL,
      entity_id text NOT NULL,
      op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
      version bigint,
      changed_fields text[] NOT NULL,
      source text,
      changed_at timestamptz NOT NULL DEFAULT clock_timestamp())`.execute(db);
  await sql`CREATE INDEX changes_changed_at_idx ON ${t('changes')} (changed_at)`.execute(db);
  await sql`CREATE INDEX changes_entity_idx ON ${t('changes')} (entity, entity_id)`.execute(db);

  await sql`
    CREATE FUNCTION ${t('record_change')}() RETURNS trigger LANGUAGE plpgsql
    SET search_path = ${sql.id(schema)}, pg_temp AS $$
    DECLARE
      change_op text := CASE NEW.action WHEN 'create' THEN 'insert' ELSE NEW.action END;
      change_seq bigint;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('clerk_sync.changes'), hashtext(${sql.lit(schema)}));
      INSERT INTO changes (entity, entity_id, op, version, changed_fields, source)
      VALUES (NEW.entity, NEW.entity_id, change_op, NEW.version, NEW.changed_fields, NEW.event_id)
      RETURNING seq INTO change_seq;
      PERFORM pg_notify('clerk_changes', json_build_object(
        'schema', ${sql.lit(schema)}, 'seq', change_seq, 'entity', NEW.entity, 'id', NEW.entity_id, 'op', change_op)::text);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE CONSTRAINT TRIGGER audit_log_changes AFTER INSERT ON ${t('audit_log')}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ${t('record_change')}()`.execute(db);

  await commentOnEverything(db, schema);
}

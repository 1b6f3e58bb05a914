import { type Kysely, sql } from 'kysely';

/**
 * Retention. Indexes for the pruning queries (`webhook_events` has one on `received_at` already) (oldest first, in small batches), and one narrow way to
 * delete from `audit_log`: a transaction that sets `clerk_sync.audit_prune_before` may delete rows
 * applied before that moment, and nothing else. The writer role has no DELETE on the table at all, so
 * only the owner can use it; every other UPDATE, DELETE or TRUNCATE is still refused by the trigger.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX messages_created_at_idx ON messages (created_at)`.execute(db);
  await sql`CREATE INDEX sessions_finished_idx ON sessions (updated_at) WHERE status NOT IN ('active', 'pending')`.execute(
    db,
  );
  await sql`CREATE INDEX audit_log_applied_at_idx ON audit_log (applied_at)`.execute(db);

  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema ?? 'public';
  await sql`
    CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql
    SET search_path = ${sql.id(schema)}, pg_temp AS $$
    DECLARE
      prune_before timestamptz := nullif(current_setting('clerk_sync.audit_prune_before', true), '')::timestamptz;
    BEGIN
      IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' AND prune_before IS NOT NULL THEN
        IF OLD.applied_at < prune_before THEN
          RETURN OLD;
        END IF;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only';
    END $$`.execute(db);
}

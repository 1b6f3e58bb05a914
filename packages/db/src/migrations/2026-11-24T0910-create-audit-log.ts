import { type Kysely, sql } from 'kysely';

export const auditedTables = [
  'users',
  'organizations',
  'organization_memberships',
  'organization_invitations',
  'organization_domains',
  'sessions',
  'roles',
  'permissions',
  'waitlist_entries',
  'subscriptions',
  'subscription_items',
  'payment_attempts',
] as const;

/**
 * `audit_log`: one row per change to a synced row — which delivery, which entity, what kind of change
 * and the *names* of the fields that changed, never their values. Written by triggers, so no write
 * path can skip it; append-only, enforced by a trigger that refuses UPDATE, DELETE and TRUNCATE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id text,
      entity text NOT NULL,
      entity_id text NOT NULL,
      action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
      changed_fields text[] NOT NULL,
      version bigint,
      applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  await sql`CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id)`.execute(db);

  await sql`
    CREATE FUNCTION audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      changed text[];
      old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
    BEGIN
      SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO changed
      FROM jsonb_each(to_jsonb(NEW)) AS n
      WHERE n.key NOT IN ('version', 'last_event_id')
        AND CASE WHEN TG_OP = 'INSERT' THEN n.value <> 'null'::jsonb
                 ELSE n.value IS DISTINCT FROM old_row -> n.key END;
      IF TG_OP = 'UPDATE' AND cardinality(changed) = 0 THEN
        RETURN NEW;
      END IF;
      INSERT INTO audit_log (event_id, entity, entity_id, action, changed_fields, version)
      VALUES (
        NEW.last_event_id, TG_TABLE_NAME, NEW.id,
        CASE WHEN NEW.deleted_at IS NOT NULL AND (old_row ->> 'deleted_at') IS NULL THEN 'delete'
             WHEN TG_OP = 'INSERT' THEN 'create' ELSE 'update' END,
        changed, NEW.version);
      RETURN NEW;
    END $$`.execute(db);

  await sql`
    CREATE FUNCTION audit_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO audit_log (event_id, entity, entity_id, action, changed_fields, version)
      VALUES (NEW.last_event_id, NEW.entity, NEW.id, 'delete', ARRAY['deleted_at'], NEW.version);
      RETURN NEW;
    END $$`.execute(db);

  await sql`
    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only';
    END $$`.execute(db);

  for (const table of auditedTables) {
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_audit`)} AFTER INSERT OR UPDATE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION audit_change()`.execute(db);
  }
  await sql`
    CREATE TRIGGER tombstones_audit AFTER INSERT OR UPDATE ON tombstones
    FOR EACH ROW EXECUTE FUNCTION audit_tombstone()`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()`.execute(db);
}

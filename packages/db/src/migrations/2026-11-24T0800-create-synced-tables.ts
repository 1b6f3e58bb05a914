import { type Kysely, sql } from 'kysely';

/** Users, organizations, memberships and the inbox. No foreign keys: events arrive in any order. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id text PRIMARY KEY,
      email text,
      first_name text,
      last_name text,
      username text,
      image_url text,
      external_id text,
      created_at timestamptz,
      updated_at timestamptz,
      last_sign_in_at timestamptz,
      last_active_at timestamptz,
      banned boolean,
      locked boolean,
      public_metadata jsonb,
      deleted_at timestamptz,
      version bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX users_email_idx ON users (email)`.execute(db);
  await sql`CREATE INDEX users_external_id_idx ON users (external_id)`.execute(db);
  await sql`CREATE INDEX users_created_at_idx ON users (created_at)`.execute(db);

  await sql`
    CREATE TABLE organizations (
      id text PRIMARY KEY,
      name text,
      slug text,
      image_url text,
      created_by text,
      created_at timestamptz,
      updated_at timestamptz,
      public_metadata jsonb,
      deleted_at timestamptz,
      version bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX organizations_created_at_idx ON organizations (created_at)`.execute(db);

  await sql`
    CREATE TABLE organization_memberships (
      id text PRIMARY KEY,
      organization_id text,
      user_id text,
      role text,
      role_name text,
      permissions text[],
      created_at timestamptz,
      updated_at timestamptz,
      deleted_at timestamptz,
      version bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX organization_memberships_user_idx ON organization_memberships (user_id)`.execute(db);
  await sql`CREATE INDEX organization_memberships_organization_idx ON organization_memberships (organization_id)`.execute(
    db,
  );

  await sql`
    CREATE TABLE webhook_events (
      svix_id text PRIMARY KEY,
      type text NOT NULL,
      entity_id text,
      event_version bigint,
      received_at timestamptz NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      outcome text CHECK (outcome IN ('applied', 'stale', 'ignored'))
    )`.execute(db);
  await sql`CREATE INDEX webhook_events_entity_idx ON webhook_events (entity_id)`.execute(db);
  await sql`CREATE INDEX webhook_events_received_at_idx ON webhook_events (received_at)`.execute(db);
}

import { type Kysely, sql } from 'kysely';

const lifecycle = sql.raw(`deleted_at timestamptz, version bigint NOT NULL, last_event_id text`);

/**
 * Tables for every other Clerk object with an identity and a lifecycle, the append-only message log,
 * the minimal tombstones that `USER_DELETION=hard` keeps, opt-in privacy columns on users, and
 * `last_event_id` on every synced row (which delivery last changed it; `backfill`/`reconcile` otherwise).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['users', 'organizations', 'organization_memberships']) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN last_event_id text`.execute(db);
  }
  await sql`
    ALTER TABLE users
      ADD COLUMN phone_number text,
      ADD COLUMN private_metadata jsonb,
      ADD COLUMN external_accounts jsonb,
      ADD COLUMN web3_wallets jsonb`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id text PRIMARY KEY, user_id text, client_id text, status text, last_active_organization_id text,
      last_active_at timestamptz, expire_at timestamptz, abandon_at timestamptz,
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);
  await sql`CREATE INDEX sessions_user_idx ON sessions (user_id)`.execute(db);
  await sql`CREATE INDEX sessions_last_active_idx ON sessions (last_active_at)`.execute(db);

  await sql`
    CREATE TABLE organization_invitations (
      id text PRIMARY KEY, organization_id text, email_address text, user_id text, role text, role_name text,
      status text, expires_at timestamptz, created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(
    db,
  );
  await sql`CREATE INDEX organization_invitations_organization_idx ON organization_invitations (organization_id)`.execute(
    db,
  );

  await sql`
    CREATE TABLE organization_domains (
      id text PRIMARY KEY, organization_id text, name text, enrollment_mode text, verification_status text,
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);

  await sql`
    CREATE TABLE roles (
      id text PRIMARY KEY, key text, name text, description text, is_creator_eligible boolean, permissions text[],
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);

  await sql`
    CREATE TABLE permissions (
      id text PRIMARY KEY, key text, name text, description text, type text,
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);

  await sql`
    CREATE TABLE waitlist_entries (
      id text PRIMARY KEY, email_address text, status text, is_locked boolean,
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);

  await sql`
    CREATE TABLE subscriptions (
      id text PRIMARY KEY, status text, payer_id text, user_id text, organization_id text, latest_payment_id text,
      active_at timestamptz, canceled_at timestamptz, ended_at timestamptz, past_due_at timestamptz,
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);
  await sql`CREATE INDEX subscriptions_user_idx ON subscriptions (user_id)`.execute(db);

  await sql`
    CREATE TABLE subscription_items (
      id text PRIMARY KEY, subscription_id text, status text, plan_id text, plan_slug text, plan_name text,
      amount bigint, currency text, interval text, is_free_trial boolean, user_id text,
      period_start timestamptz, period_end timestamptz, created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(
    db,
  );
  await sql`CREATE INDEX subscription_items_subscription_idx ON subscription_items (subscription_id)`.execute(
    db,
  );

  await sql`
    CREATE TABLE payment_attempts (
      id text PRIMARY KEY, payment_id text, status text, charge_type text, user_id text, amount bigint, currency text,
      paid_at timestamptz, failed_at timestamptz, billing_date timestamptz,
      created_at timestamptz, updated_at timestamptz, ${lifecycle})`.execute(db);

  // Append-only: one row per email or SMS Clerk sent. Recipient and content only if configured.
  await sql`
    CREATE TABLE messages (
      id text PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('email', 'sms')), user_id text, address_id text,
      slug text, status text, delivered_by_clerk boolean, to_address text, subject text, body text,
      created_at timestamptz, svix_id text)`.execute(db);
  await sql`CREATE INDEX messages_user_idx ON messages (user_id)`.execute(db);

  // USER_DELETION=hard removes the row and keeps only this, so late events cannot bring it back.
  await sql`
    CREATE TABLE tombstones (
      entity text NOT NULL, id text NOT NULL, deleted_at timestamptz NOT NULL, version bigint NOT NULL,
      last_event_id text, PRIMARY KEY (entity, id))`.execute(db);
}

import { type Kysely, sql } from 'kysely';

/**
 * The registry of erased subjects, so that erasure holds after the delete: late events, reordered
 * batches and backfills can no longer bring a deleted user's address back.
 *
 * - `address_hash(text)`: SHA-256 (hex) of an address, normalised: an email (anything with `@`) is
 *   trimmed of ASCII whitespace and its ASCII letters lowercased (`COLLATE "C"`, so the result does
 *   not depend on the database's locale); a phone number keeps its digits. `addressHash` in
 *   `@clerk-sync/events` is its twin. A SQL-standard body is bound when created, so no `search_path`
 *   can redirect it, and it can index expressions.
 * - `user_address_hashes`: the hash of every address a user has had (all of them, not only the
 *   primary that `users.email` keeps), so that a delete, whose payload carries none, can find them.
 * - `erased_subjects`: the deleted user's id and those hashes, with the delete that erased them.
 * - expression indexes on the stored addresses, so a delete finds the rows to clear without hashing
 *   whole tables, and an index on invitations' user.
 *
 * Existing data is brought in: users already deleted become registry entries (their addresses were
 * cleared already), and live users' known addresses are hashed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION address_hash(address text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(NULLIF(
      CASE WHEN pg_catalog.strpos(address, '@') > 0
        THEN pg_catalog.lower(pg_catalog.btrim(address, E' \\t\\n\\r\\f\\x0B') COLLATE "C")
        ELSE pg_catalog.regexp_replace(address, '[^0-9]', '', 'g')
      END, ''), 'UTF8')), 'hex')`.execute(db);

  await sql`
    CREATE TABLE user_address_hashes (
      user_id text NOT NULL,
      hash text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('email', 'phone')),
      PRIMARY KEY (user_id, hash))`.execute(db);

  await sql`
    CREATE TABLE erased_subjects (
      subject text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('user', 'email', 'phone')),
      user_id text NOT NULL,
      event_id text,
      erased_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subject, user_id))`.execute(db);
  await sql`CREATE INDEX erased_subjects_user_idx ON erased_subjects (user_id)`.execute(db);

  await sql`
    CREATE INDEX organization_invitations_address_hash_idx ON organization_invitations (address_hash(email_address))
    WHERE email_address IS NOT NULL`.execute(db);
  await sql`CREATE INDEX organization_invitations_user_idx ON organization_invitations (user_id)`.execute(db);
  await sql`
    CREATE INDEX waitlist_entries_address_hash_idx ON waitlist_entries (address_hash(email_address))
    WHERE email_address IS NOT NULL`.execute(db);
  await sql`
    CREATE INDEX messages_address_hash_idx ON messages (address_hash(to_address))
    WHERE to_address IS NOT NULL`.execute(db);

  const kind = (column: string) =>
    sql.raw(`CASE WHEN strpos(${column}, '@') > 0 THEN 'email' ELSE 'phone' END`);
  await sql`
    INSERT INTO user_address_hashes (user_id, hash, kind)
    SELECT id, address_hash(email), 'email' FROM users WHERE deleted_at IS NULL AND address_hash(email) IS NOT NULL
    UNION
    SELECT id, address_hash(phone_number), 'phone' FROM users
    WHERE deleted_at IS NULL AND address_hash(phone_number) IS NOT NULL
    UNION
    SELECT user_id, address_hash(email_address), ${kind('email_address')} FROM organization_invitations
    WHERE user_id IS NOT NULL AND address_hash(email_address) IS NOT NULL
    ON CONFLICT DO NOTHING`.execute(db);
  await sql`
    INSERT INTO erased_subjects (subject, kind, user_id, event_id, erased_at)
    SELECT id, 'user', id, last_event_id, deleted_at FROM users WHERE deleted_at IS NOT NULL
    UNION ALL
    SELECT id, 'user', id, last_event_id, deleted_at FROM tombstones WHERE entity = 'users'
    ON CONFLICT DO NOTHING`.execute(db);
}

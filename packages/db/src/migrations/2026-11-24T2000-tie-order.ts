import { type Kysely, sql } from 'kysely';

/** The synced tables as they were when this migration was written; later tables add their own columns. */
const syncedTables = [
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
  'tombstones',
] as const;

/**
 * Ties were decided by arrival: two events with the same `updated_at` (Clerk's `session.created` and
 * `session.ended` share one) left whichever came last. Each synced row, and each hard-delete
 * tombstone, now records the envelope timestamp and the svix-id of the event that wrote it, and the
 * guards compare `(version, event_ts, svix_id)`. Existing rows keep NULL in both, which sorts lowest:
 * any event of the same version that arrives from now on wins over them, as it would have before.
 * The audit triggers list their columns by name, so these bookkeeping columns stay out of the audit log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of syncedTables) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN event_ts bigint, ADD COLUMN svix_id text`.execute(
      db,
    );
  }
}

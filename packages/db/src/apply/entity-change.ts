import type { EntityTable } from '../schema/entity-table.js';

/**
 * One event's intended effect on one row: an upsert of live values, or a tombstone.
 * `values` holds data columns (timestamps as ISO strings); missing columns are written as NULL.
 */
export interface EntityChange {
  table: EntityTable;
  kind: 'upsert' | 'delete';
  id: string;
  version: number;
  values: Record<string, unknown>;
  /** ISO time of deletion, for tombstones. */
  deletedAt?: string;
  /**
   * Every address the change knows for its entity (a user's email addresses, and phone numbers when
   * the copy may store one), beyond the primary one in `values`. Only their hashes are kept, so that
   * erasure can find them later (`user_address_hashes`).
   */
  addresses?: readonly string[];
}

/** An `email.created` or `sms.created`: one append-only row in `messages`. */
export interface MessageChange {
  kind: 'message';
  id: string;
  values: {
    kind: 'email' | 'sms';
    user_id: string | null;
    address_id: string | null;
    slug: string | null;
    status: string | null;
    delivered_by_clerk: boolean | null;
    to_address: string | null;
    subject: string | null;
    body: string | null;
    created_at: string | null;
  };
}

export type Change = EntityChange | MessageChange;

/** Epoch ms → ISO string for a `timestamptz` column; null stays null. */
export function iso(ms: number | null | undefined): string | null {
  return typeof ms === 'number' ? new Date(ms).toISOString() : null;
}

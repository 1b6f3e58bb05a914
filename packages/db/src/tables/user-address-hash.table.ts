import { notNull } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/**
 * The `address_hash` of every address a user has had, from their `user.*` events and snapshots: all
 * email addresses, and phone numbers when the copy may store one. A `user.deleted` carries no address,
 * and `users` keeps only the primary email, so this is how a delete finds the others. Moved into
 * `erased_subjects` when the user is deleted.
 */
export const userAddressHashTable = {
  name: 'user_address_hashes',
  kind: 'table',
  columns: {
    user_id: notNull('text'),
    hash: notNull('text'),
    kind: notNull('text', ['email', 'phone']),
  },
} as const satisfies Relation;

/** Kysely's view of `user_address_hashes`, derived from {@link userAddressHashTable}. */
export type UserAddressHashTable = RowOf<typeof userAddressHashTable>;

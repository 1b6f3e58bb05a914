import { notNull, nullable, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/**
 * The registry of erased subjects: for each deleted user, their id (`kind` `user`) and the
 * `address_hash` of every email address and phone number known for them. Rows that would store a
 * matching value are cleared at the end of every batch, so erasure holds against late events. Holds
 * hashes, never addresses. `event_id` is the svix-id of the delete (or `reconcile`).
 */
export const erasedSubjectTable = {
  name: 'erased_subjects',
  kind: 'table',
  columns: {
    subject: notNull('text'),
    kind: notNull('text', ['user', 'email', 'phone']),
    user_id: notNull('text'),
    event_id: nullable('text'),
    erased_at: withDefault('timestamptz'),
    instance_id: nullable('text'),
  },
} as const satisfies Relation;

/** Kysely's view of `erased_subjects`, derived from {@link erasedSubjectTable}. */
export type ErasedSubjectTable = RowOf<typeof erasedSubjectTable>;

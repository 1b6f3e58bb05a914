import { notNull, nullable, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/** A backfill's checkpoint for one object type: a cursor (users) or an offset (the offset-paged lists). */
export const syncStateTable = {
  name: 'sync_state',
  kind: 'table',
  columns: {
    object_type: notNull('text'),
    cursor: nullable('text'),
    next_offset: withDefault('integer'),
    seen: withDefault('integer'),
    total: nullable('integer'),
    done: withDefault('boolean'),
    started_at: withDefault('timestamptz'),
    updated_at: withDefault('timestamptz'),
  },
} as const satisfies Relation;

/** Kysely's view of `sync_state`, derived from {@link syncStateTable}. */
export type SyncStateTable = RowOf<typeof syncStateTable>;

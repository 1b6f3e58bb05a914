import { notNull, nullable } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/**
 * What `USER_DELETION=hard` keeps of a removed row, keyed by table and id, so that late events
 * cannot bring it back.
 */
export const tombstoneTable = {
  name: 'tombstones',
  kind: 'table',
  columns: {
    entity: notNull('text'),
    id: notNull('text'),
    deleted_at: notNull('timestamptz'),
    version: notNull('bigint'),
    last_event_id: nullable('text'),
    /** The envelope timestamp (ms) and svix-id of the delete, which order deletes of equal version. */
    event_ts: nullable('bigint'),
    svix_id: nullable('text'),
    instance_id: nullable('text'),
  },
} as const satisfies Relation;

/** Kysely's view of `tombstones`, derived from {@link tombstoneTable}. */
export type TombstoneTable = RowOf<typeof tombstoneTable>;

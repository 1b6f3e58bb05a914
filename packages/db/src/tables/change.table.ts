import { generatedAlways, notNull, nullable, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/** What a change did to its row, as the change feed names it. */
export const changeOps = ['insert', 'update', 'delete'] as const;
export type ChangeOp = (typeof changeOps)[number];

/**
 * The change feed: one row per applied change to a synced row, numbered by `seq` in commit order,
 * with the names of the changed fields (never their values). Written only by a trigger on
 * `audit_log` at commit, which also sends `pg_notify('clerk_changes', {seq, entity, id, op})`.
 */
export const changeTable = {
  name: 'changes',
  kind: 'table',
  columns: {
    seq: generatedAlways('bigint'),
    entity: notNull('text'),
    entity_id: notNull('text'),
    op: notNull('text', changeOps),
    version: nullable('bigint'),
    changed_fields: notNull('text[]'),
    source: nullable('text'),
    changed_at: withDefault('timestamptz'),
  },
} as const satisfies Relation;

/** Kysely's view of `changes`, derived from {@link changeTable}. */
export type ChangeTable = RowOf<typeof changeTable>;

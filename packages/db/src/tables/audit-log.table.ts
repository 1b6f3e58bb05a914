import { generatedAlways, notNull, nullable, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/**
 * One row per change to a synced row: which delivery, which entity, what kind of change and the
 * names of the fields that changed, never their values. Written by triggers only; append-only.
 */
export const auditLogTable = {
  name: 'audit_log',
  kind: 'table',
  columns: {
    id: generatedAlways('bigint'),
    event_id: nullable('text'),
    entity: notNull('text'),
    entity_id: notNull('text'),
    action: notNull('text', ['create', 'update', 'delete']),
    changed_fields: notNull('text[]'),
    version: nullable('bigint'),
    applied_at: withDefault('timestamptz'),
  },
} as const satisfies Relation;

/** Kysely's view of `audit_log`, derived from {@link auditLogTable}. */
export type AuditLogTable = RowOf<typeof auditLogTable>;

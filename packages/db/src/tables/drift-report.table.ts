import { notNull, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/** The kinds of drift a reconcile counts per entity. */
export const driftKinds = ['missing', 'outdated', 'gone', 'deleted_locally'] as const;

export type DriftKind = (typeof driftKinds)[number];

/**
 * The last reconcile's drift: rows per entity (`users`, `organizations`, `memberships`) and kind. Each
 * run replaces the whole table; the worker serves it as the `clerk_sync_drift_rows` gauge.
 */
export const driftReportTable = {
  name: 'drift_report',
  kind: 'table',
  columns: {
    entity: notNull('text'),
    kind: notNull('text', driftKinds),
    rows: notNull('integer'),
    reported_at: withDefault('timestamptz'),
  },
} as const satisfies Relation;

/** Kysely's view of `drift_report`, derived from {@link driftReportTable}. */
export type DriftReportTable = RowOf<typeof driftReportTable>;

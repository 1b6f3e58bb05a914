import { notNull, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/**
 * The Clerk instance this copy belongs to, as `GET /v1/instance` reported it the first time a
 * reconcile proved that its key can see the local rows. One row at most (`singleton` is always true).
 */
export const clerkInstanceTable = {
  name: 'clerk_instance',
  kind: 'table',
  columns: {
    singleton: withDefault('boolean'),
    instance_id: notNull('text'),
    environment_type: notNull('text'),
    recorded_at: withDefault('timestamptz'),
  },
} as const satisfies Relation;

/** Kysely's view of `clerk_instance`, derived from {@link clerkInstanceTable}. */
export type ClerkInstanceTable = RowOf<typeof clerkInstanceTable>;

import { notNull, nullable } from '../schema/column.js';
import type { Relation } from '../schema/relation.js';

/** Live users with their number of sessions and their latest activity (from sessions or the user). */
export const topUsersView = {
  name: 'top_users',
  kind: 'view',
  columns: {
    user_id: notNull('text'),
    email: nullable('text'),
    sessions: notNull('integer'),
    last_active_at: nullable('timestamptz'),
  },
} as const satisfies Relation;

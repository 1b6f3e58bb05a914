import { notNull } from '../schema/column.js';
import type { Relation } from '../schema/relation.js';

const columns = { period: notNull('timestamp'), active_users: notNull('integer') } as const;

/**
 * Distinct users whose sessions were last active in each UTC day, week and month, deleted users
 * left out. `period` is the start of the day, week or month, as a UTC `timestamp`.
 */
export const dailyActiveUsersView = {
  name: 'daily_active_users',
  kind: 'view',
  columns,
} as const satisfies Relation;
export const weeklyActiveUsersView = {
  name: 'weekly_active_users',
  kind: 'view',
  columns,
} as const satisfies Relation;
export const monthlyActiveUsersView = {
  name: 'monthly_active_users',
  kind: 'view',
  columns,
} as const satisfies Relation;

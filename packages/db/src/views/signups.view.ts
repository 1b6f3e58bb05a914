import { notNull } from '../schema/column.js';
import type { Relation } from '../schema/relation.js';

/**
 * Signups per UTC week (starting Monday), deleted users included: their tombstones keep
 * `created_at`, and a signup happened even if the account is gone now. `week` is a UTC `timestamp`.
 */
export const signupsPerWeekView = {
  name: 'signups_per_week',
  kind: 'view',
  columns: { week: notNull('timestamp'), signups: notNull('integer') },
} as const satisfies Relation;

/** Signups per UTC day, as {@link signupsPerWeekView}. */
export const signupsPerDayView = {
  name: 'signups_per_day',
  kind: 'view',
  columns: { day: notNull('timestamp'), signups: notNull('integer') },
} as const satisfies Relation;

/** New organizations per UTC week (starting Monday), deleted ones included. */
export const organizationsPerWeekView = {
  name: 'organizations_per_week',
  kind: 'view',
  columns: { week: notNull('timestamp'), organizations: notNull('integer') },
} as const satisfies Relation;

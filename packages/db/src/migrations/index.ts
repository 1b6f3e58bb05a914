import type { Migration } from 'kysely/migration';
import * as createSyncedTables from './2026-11-24T0800-create-synced-tables.js';
import * as createAnalyticsViews from './2026-11-24T0810-create-analytics-views.js';
import * as createSyncState from './2026-11-24T0820-create-sync-state.js';
import * as allEventTypes from './2026-11-24T0900-all-event-types.js';
import * as createAuditLog from './2026-11-24T0910-create-audit-log.js';
import * as moreAnalyticsViews from './2026-11-24T0920-more-analytics-views.js';
import * as pinFunctionSearchPath from './2026-11-24T1700-pin-function-search-path.js';
import * as viewsWithoutDeletedUsers from './2026-11-24T1800-views-without-deleted-users.js';
import * as tieOrder from './2026-11-24T2000-tie-order.js';
import * as erasureRegistry from './2026-11-24T2010-erasure-registry.js';
import * as retention from './2026-11-24T2020-retention.js';
import * as clientViewsAndFeed from './2026-11-24T2030-client-views-and-feed.js';
import * as reconcileGuard from './2026-11-24T2130-reconcile-guard.js';
import * as instances from './2026-11-24T2200-instances.js';

/**
 * Every migration, by name. Names sort by date; an applied migration is frozen: add a new one instead.
 * Listed statically (not read from disk) so the compiled package works wherever it is installed.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-24T0800-create-synced-tables': createSyncedTables,
  '2026-11-24T0810-create-analytics-views': createAnalyticsViews,
  '2026-11-24T0820-create-sync-state': createSyncState,
  '2026-11-24T0900-all-event-types': allEventTypes,
  '2026-11-24T0910-create-audit-log': createAuditLog,
  '2026-11-24T0920-more-analytics-views': moreAnalyticsViews,
  '2026-11-24T1700-pin-function-search-path': pinFunctionSearchPath,
  '2026-11-24T1800-views-without-deleted-users': viewsWithoutDeletedUsers,
  '2026-11-24T2000-tie-order': tieOrder,
  '2026-11-24T2010-erasure-registry': erasureRegistry,
  '2026-11-24T2020-retention': retention,
  '2026-11-24T2030-client-views-and-feed': clientViewsAndFeed,
  '2026-11-24T2130-reconcile-guard': reconcileGuard,
  '2026-11-24T2200-instances': instances,
};

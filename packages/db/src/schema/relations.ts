import { auditLogTable } from '../tables/audit-log.table.js';
import { changeTable } from '../tables/change.table.js';
import { clerkInstanceTable } from '../tables/clerk-instance.table.js';
import { driftReportTable } from '../tables/drift-report.table.js';
import { entityTables } from '../tables/entity-tables.js';
import { erasedSubjectTable } from '../tables/erased-subject.table.js';
import { messageTable } from '../tables/message.table.js';
import { syncStateTable } from '../tables/sync-state.table.js';
import { tombstoneTable } from '../tables/tombstone.table.js';
import { userAddressHashTable } from '../tables/user-address-hash.table.js';
import { webhookEventTable } from '../tables/webhook-event.table.js';
import {
  dailyActiveUsersView,
  monthlyActiveUsersView,
  weeklyActiveUsersView,
} from '../views/active-users.view.js';
import { type LiveView, liveViews } from '../views/live.view.js';
import {
  organizationMembersView,
  organizationRolesView,
  userOrganizationsView,
} from '../views/organization-members.view.js';
import { organizationsPerWeekView, signupsPerDayView, signupsPerWeekView } from '../views/signups.view.js';
import { topUsersView } from '../views/top-users.view.js';
import { type EntityRelation, type EntityTable, entityRelation } from './entity-table.js';
import type { Relation } from './relation.js';

/** Every table the migrations create besides the synced ones (those are {@link entityTables}). */
export const otherTables = [
  webhookEventTable,
  syncStateTable,
  messageTable,
  tombstoneTable,
  auditLogTable,
  erasedSubjectTable,
  userAddressHashTable,
  changeTable,
  clerkInstanceTable,
  driftReportTable,
] as const satisfies readonly Relation[];

/** Every view the migrations create besides the `<table>_live` ones (those are {@link liveViews}). */
export const views = [
  signupsPerWeekView,
  signupsPerDayView,
  organizationsPerWeekView,
  organizationMembersView,
  organizationRolesView,
  userOrganizationsView,
  dailyActiveUsersView,
  weeklyActiveUsersView,
  monthlyActiveUsersView,
  topUsersView,
] as const satisfies readonly Relation[];

/**
 * Every table and view of the schema with all its columns: the runtime twin of `Database`. A new
 * column is one edit here (in its table's definition) plus a migration; a test holds the two equal.
 */
export const relations: readonly Relation[] = [
  ...entityTables.map(entityRelation),
  ...otherTables,
  ...views,
  ...liveViews,
];

type EntityRelationOf<T> = T extends EntityTable ? EntityRelation<T> : never;
type LiveViewOf<T> = T extends EntityTable ? LiveView<T> : never;

/** The type of each member of `relations`, one per table or view: what `Database` is derived from. */
export type DefinedRelation =
  | EntityRelationOf<(typeof entityTables)[number]>
  | (typeof otherTables)[number]
  | (typeof views)[number]
  | LiveViewOf<(typeof entityTables)[number]>;

/** The name of every table and view, as `relations` lists them. */
export type RelationName = DefinedRelation['name'];

export {
  type ApplyOptions,
  type ApplyOutcome,
  type ApplyResult,
  applyChanges,
  applyEvents,
  type InstanceConflict,
} from './apply/apply-events.js';
export type { Change, EntityChange, MessageChange } from './apply/entity-change.js';
export { changeFor, entityChangeFor, handlers, tombstone } from './apply/handlers.js';
export { defaultPrivacy, type PrivacyOptions } from './apply/privacy.js';
export { type PrivacyEnv, privacyEnv, privacyOptionsFromEnv } from './apply/privacy-env.js';
export { readRecentErasures } from './apply/recent-erasures.js';
export { type Checkpoint, clearCheckpoints, readCheckpoint, saveCheckpoint } from './backfill/checkpoint.js';
export type { Database } from './database.js';
export {
  assertSchemaName,
  type DbConfig,
  type DbTimeouts,
  DEFAULT_DB_TIMEOUTS,
  DEFAULT_PGLITE_DIR,
  DEFAULT_SCHEMA,
  schemaNameProblem,
} from './db-config.js';
export { type DbEnv, dbConfigFromEnv, dbEnv } from './db-env.js';
export {
  type AdoptOptions,
  adoptRows,
  countUnadopted,
  type UnadoptedRows,
} from './instances/adopt-rows.js';
export { type MigrateResult, migrateToLatest, pendingMigrations } from './migrate.js';
export { type ClerkDatabase, openDatabase, QUERY_GRACE_MS, schemaOf } from './open-database.js';
export {
  type DriftCount,
  type DriftReport,
  readDriftReport,
  saveDriftReport,
} from './reconcile/drift-report.js';
export {
  type ClerkInstance,
  readInstanceBinding,
  recordInstanceBinding,
} from './reconcile/instance-binding.js';
export {
  type LocalRow,
  readLocalRows,
  readMembershipKeys,
  readOrganizationOf,
} from './reconcile/local-rows.js';
export {
  mayPruneAuditLog,
  noRowsPruned,
  type PrunedCounts,
  type PruneOptions,
  pruneExpired,
  type RetentionPolicy,
  retentionTables,
} from './retention/prune-expired.js';
export { type RetentionEnv, retentionEnv, retentionPolicyFromEnv } from './retention/retention-env.js';
export { columnComments, commentOn, relationComments } from './schema/comments.js';
export type { EntityTable } from './schema/entity-table.js';
export { type ActiveUsers, readActiveUsers } from './stats/active-users.js';
export {
  type LargeOrganization,
  readLargestOrganizations,
  readTopUsers,
  type TopUser,
} from './stats/leaders.js';
export { readSignupsPerWeek, type WeeklySignups } from './stats/signups-per-week.js';
export { readTotals, type Totals } from './stats/totals.js';
export { type ChangeOp, type ChangeTable, changeOps, changeTable } from './tables/change.table.js';
export { type DriftKind, driftKinds } from './tables/drift-report.table.js';
export { type EntityTableName, entityTables } from './tables/entity-tables.js';
export { type OrganizationTable, organizationTable } from './tables/organization.table.js';
export { domainTable, type OrganizationDomainTable } from './tables/organization-domain.table.js';
export {
  invitationTable,
  type OrganizationInvitationTable,
} from './tables/organization-invitation.table.js';
export { membershipTable, type OrganizationMembershipTable } from './tables/organization-membership.table.js';
export { type PermissionTable, permissionTable } from './tables/permission.table.js';
export { type RoleTable, roleTable } from './tables/role.table.js';
export type { SyncStateTable } from './tables/sync-state.table.js';
export { type UserTable, userTable } from './tables/user.table.js';
export { type WaitlistEntryTable, waitlistEntryTable } from './tables/waitlist-entry.table.js';
export type { InboxOutcome, WebhookEventTable } from './tables/webhook-event.table.js';
export { type LiveViewName, liveViews } from './views/live.view.js';

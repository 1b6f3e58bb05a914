/**
 * The schema's types and nothing else, for `@clerk-sync/client`: importing this subpath loads no
 * driver, no migration and no telemetry.
 */
export type { Database } from './database.js';
export type { RelationName } from './schema/relations.js';
export type { ChangeOp, ChangeTable } from './tables/change.table.js';
export type { EntityTableName } from './tables/entity-tables.js';
export type { LiveViewName } from './views/live.view.js';

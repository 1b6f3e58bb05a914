import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A permission that roles can grant. */
export const permissionTable = {
  name: 'permissions',
  columns: { key: 'text', name: 'text', description: 'text', type: 'text', ...timestampColumns },
  immutable: ['created_at'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `permissions`, derived from {@link permissionTable}. */
export type PermissionTable = RowOf<EntityRelation<typeof permissionTable>>;

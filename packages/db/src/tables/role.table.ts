import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** An organization role of the instance and the permission keys it grants. */
export const roleTable = {
  name: 'roles',
  columns: {
    key: 'text',
    name: 'text',
    description: 'text',
    is_creator_eligible: 'boolean',
    permissions: 'text[]',
    ...timestampColumns,
  },
  immutable: ['created_at'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `roles`, derived from {@link roleTable}. */
export type RoleTable = RowOf<EntityRelation<typeof roleTable>>;

import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A Clerk organization. `created_by` is the creating user's id, kept on the tombstone. */
export const organizationTable = {
  name: 'organizations',
  columns: {
    name: 'text',
    slug: 'text',
    image_url: 'text',
    created_by: 'text',
    ...timestampColumns,
    public_metadata: 'jsonb',
  },
  immutable: ['created_at', 'created_by'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `organizations`, derived from {@link organizationTable}. */
export type OrganizationTable = RowOf<EntityRelation<typeof organizationTable>>;

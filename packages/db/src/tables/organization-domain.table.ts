import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A verified or pending domain of an organization. */
export const domainTable = {
  name: 'organization_domains',
  columns: {
    organization_id: 'text',
    name: 'text',
    enrollment_mode: 'text',
    verification_status: 'text',
    ...timestampColumns,
  },
  immutable: ['created_at', 'organization_id'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `organization_domains`, derived from {@link domainTable}. */
export type OrganizationDomainTable = RowOf<EntityRelation<typeof domainTable>>;

import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/**
 * A user's membership of an organization. No foreign keys: a membership may arrive before its user or
 * organization; views do the joining. `role` is always an `org:` key (legacy roles such as `admin`
 * are normalised on the way in).
 */
export const membershipTable = {
  name: 'organization_memberships',
  columns: {
    organization_id: 'text',
    user_id: 'text',
    role: 'text',
    role_name: 'text',
    permissions: 'text[]',
    ...timestampColumns,
  },
  immutable: ['created_at', 'organization_id', 'user_id'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `organization_memberships`, derived from {@link membershipTable}. */
export type OrganizationMembershipTable = RowOf<EntityRelation<typeof membershipTable>>;

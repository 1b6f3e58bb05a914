import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** An invitation to an organization; its address is personal and erased with the user. */
export const invitationTable = {
  name: 'organization_invitations',
  columns: {
    organization_id: 'text',
    email_address: 'text',
    user_id: 'text',
    role: 'text',
    role_name: 'text',
    status: 'text',
    expires_at: 'timestamptz',
    ...timestampColumns,
  },
  immutable: ['created_at', 'organization_id'],
  personal: ['email_address'],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `organization_invitations`, derived from {@link invitationTable}. */
export type OrganizationInvitationTable = RowOf<EntityRelation<typeof invitationTable>>;

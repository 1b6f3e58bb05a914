import type { OrganizationTable } from './tables/organization.table.js';
import type { OrganizationMembershipTable } from './tables/organization-membership.table.js';
import type { SyncStateTable } from './tables/sync-state.table.js';
import type { UserTable } from './tables/user.table.js';
import type { WebhookEventTable } from './tables/webhook-event.table.js';

/** Kysely's view of schema `clerk` (or `DB_SCHEMA`): the synced tables, the inbox and the views. */
export interface Database {
  users: UserTable;
  organizations: OrganizationTable;
  organization_memberships: OrganizationMembershipTable;
  webhook_events: WebhookEventTable;
  sync_state: SyncStateTable;
  signups_per_week: { week: Date; signups: number };
  organizations_per_week: { week: Date; organizations: number };
  organization_members: {
    organization_id: string;
    organization_name: string | null;
    user_id: string;
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    role: string | null;
    role_name: string | null;
    joined_at: Date | null;
  };
  organization_roles: {
    organization_id: string;
    organization_name: string | null;
    role: string;
    members: number;
  };
  user_organizations: {
    user_id: string;
    email: string | null;
    organizations: number;
    organization_ids: string[] | null;
  };
}

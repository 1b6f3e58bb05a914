import { notNull, nullable } from '../schema/column.js';
import type { Relation } from '../schema/relation.js';

/**
 * Live memberships with their organization's name and the member's name: neither side deleted. A
 * membership may arrive before its organization or user (no foreign keys), so their columns, and
 * the membership's own ids, may be NULL.
 */
export const organizationMembersView = {
  name: 'organization_members',
  kind: 'view',
  columns: {
    organization_id: nullable('text'),
    organization_name: nullable('text'),
    user_id: nullable('text'),
    email: nullable('text'),
    first_name: nullable('text'),
    last_name: nullable('text'),
    role: nullable('text'),
    role_name: nullable('text'),
    joined_at: nullable('timestamptz'),
  },
} as const satisfies Relation;

/** Members per role per organization, from {@link organizationMembersView}. */
export const organizationRolesView = {
  name: 'organization_roles',
  kind: 'view',
  columns: {
    organization_id: nullable('text'),
    organization_name: nullable('text'),
    role: nullable('text'),
    members: notNull('integer'),
  },
} as const satisfies Relation;

/** Each live user with the number and ids of their organizations (`organization_ids` NULL when none). */
export const userOrganizationsView = {
  name: 'user_organizations',
  kind: 'view',
  columns: {
    user_id: notNull('text'),
    email: nullable('text'),
    organizations: notNull('integer'),
    organization_ids: nullable('text[]'),
  },
} as const satisfies Relation;

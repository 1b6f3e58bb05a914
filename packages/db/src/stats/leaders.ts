import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';

/** A live user and their number of sessions. */
export interface TopUser {
  userId: string;
  sessions: number;
}

/** An organization and its live members, over all roles. */
export interface LargeOrganization {
  /** NULL only for memberships whose event carried no organization id. */
  organizationId: string | null;
  name: string | null;
  members: number;
}

/** The users with the most sessions; among equals, the most recently active first. */
export async function readTopUsers(
  db: Kysely<Database> | Transaction<Database>,
  limit: number,
): Promise<TopUser[]> {
  const rows = await db
    .selectFrom('top_users')
    .select(['user_id', 'sessions'])
    .orderBy('sessions', 'desc')
    .orderBy('last_active_at', (ob) => ob.desc().nullsLast())
    .limit(limit)
    .execute();
  return rows.map((r) => ({ userId: r.user_id, sessions: r.sessions }));
}

/** The organizations with the most live members (the `organization_roles` view, summed over roles). */
export async function readLargestOrganizations(
  db: Kysely<Database> | Transaction<Database>,
  limit: number,
): Promise<LargeOrganization[]> {
  const rows = await db
    .selectFrom('organization_roles')
    .select((eb) => [
      'organization_id',
      eb.fn.max('organization_name').as('organization_name'),
      eb.cast<number>(eb.fn.sum('members'), 'integer').as('members'),
    ])
    .groupBy('organization_id')
    .orderBy('members', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    organizationId: r.organization_id,
    name: r.organization_name,
    members: r.members,
  }));
}

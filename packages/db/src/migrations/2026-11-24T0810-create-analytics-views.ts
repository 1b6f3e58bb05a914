import { type Kysely, sql } from 'kysely';

/**
 * Views for the questions teams ask first. Weeks start on Monday, in UTC. Signups count deleted users
 * too (their tombstones keep created_at): a signup happened even if the account is gone now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW signups_per_week AS
    SELECT date_trunc('week', created_at AT TIME ZONE 'UTC') AS week, count(*)::int AS signups
    FROM users WHERE created_at IS NOT NULL
    GROUP BY 1`.execute(db);
  await sql`
    CREATE VIEW organizations_per_week AS
    SELECT date_trunc('week', created_at AT TIME ZONE 'UTC') AS week, count(*)::int AS organizations
    FROM organizations WHERE created_at IS NOT NULL
    GROUP BY 1`.execute(db);
  await sql`
    CREATE VIEW organization_members AS
    SELECT m.organization_id, o.name AS organization_name, m.user_id, u.email, u.first_name, u.last_name,
           m.role, m.role_name, m.created_at AS joined_at
    FROM organization_memberships m
    LEFT JOIN organizations o ON o.id = m.organization_id
    LEFT JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
    WHERE m.deleted_at IS NULL AND o.deleted_at IS NULL`.execute(db);
  await sql`
    CREATE VIEW organization_roles AS
    SELECT organization_id, organization_name, role, count(*)::int AS members
    FROM organization_members
    GROUP BY organization_id, organization_name, role`.execute(db);
  await sql`
    CREATE VIEW user_organizations AS
    SELECT u.id AS user_id, u.email, count(om.organization_id)::int AS organizations,
           array_agg(om.organization_id ORDER BY om.organization_id)
             FILTER (WHERE om.organization_id IS NOT NULL) AS organization_ids
    FROM users u
    LEFT JOIN organization_members om ON om.user_id = u.id
    WHERE u.deleted_at IS NULL
    GROUP BY u.id, u.email`.execute(db);
}

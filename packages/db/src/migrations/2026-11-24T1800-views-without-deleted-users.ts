import { type Kysely, sql } from 'kysely';

/**
 * The member and activity views left deleted users in: `organization_members` listed the memberships
 * of a deleted user (with their name blanked, but the user id, role and join date still there), and
 * no view looked at the `tombstones` of `USER_DELETION=hard`. Each is redefined, with the same
 * columns, to leave out users with a tombstone of either kind. A membership whose user has not
 * arrived yet is still listed: events come in any order. Every name is qualified with the schema.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no current schema to migrate');
  const t = (name: string) => sql.table(`${schema}.${name}`);
  /** True when `userId` names a user deleted here, anonymized or hard. */
  const deletedUser = (userId: string) => sql`(
      EXISTS (SELECT 1 FROM ${t('users')} du WHERE du.id = ${sql.ref(userId)} AND du.deleted_at IS NOT NULL)
      OR EXISTS (SELECT 1 FROM ${t('tombstones')} tb WHERE tb.entity = 'users' AND tb.id = ${sql.ref(userId)}))`;

  await sql`
    CREATE OR REPLACE VIEW ${t('organization_members')} AS
    SELECT m.organization_id, o.name AS organization_name, m.user_id, u.email, u.first_name, u.last_name,
           m.role, m.role_name, m.created_at AS joined_at
    FROM ${t('organization_memberships')} m
    LEFT JOIN ${t('organizations')} o ON o.id = m.organization_id
    LEFT JOIN ${t('users')} u ON u.id = m.user_id AND u.deleted_at IS NULL
    WHERE m.deleted_at IS NULL AND o.deleted_at IS NULL
      AND NOT ${deletedUser('m.user_id')}`.execute(db);
  for (const [name, unit] of [
    ['daily_active_users', 'day'],
    ['weekly_active_users', 'week'],
    ['monthly_active_users', 'month'],
  ] as const) {
    await sql`
      CREATE OR REPLACE VIEW ${t(name)} AS
      SELECT date_trunc(${sql.lit(unit)}, s.last_active_at AT TIME ZONE 'UTC') AS period,
             count(DISTINCT s.user_id)::int AS active_users
      FROM ${t('sessions')} s
      WHERE s.last_active_at IS NOT NULL
        AND NOT ${deletedUser('s.user_id')}
      GROUP BY 1`.execute(db);
  }
}

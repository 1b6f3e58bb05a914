import { type Kysely, sql } from 'kysely';

/**
 * Activity views. Sessions carry the latest activity of each session, so a user counts as active on
 * a day when one of their sessions was last active that day; days are UTC.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW signups_per_day AS
    SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS day, count(*)::int AS signups
    FROM users WHERE created_at IS NOT NULL
    GROUP BY 1`.execute(db);
  for (const [name, unit] of [
    ['daily_active_users', 'day'],
    ['weekly_active_users', 'week'],
    ['monthly_active_users', 'month'],
  ] as const) {
    await sql`
      CREATE VIEW ${sql.table(name)} AS
      SELECT date_trunc(${sql.lit(unit)}, s.last_active_at AT TIME ZONE 'UTC') AS period,
             count(DISTINCT s.user_id)::int AS active_users
      FROM sessions s
      WHERE s.last_active_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id AND u.deleted_at IS NOT NULL)
      GROUP BY 1`.execute(db);
  }
  await sql`
    CREATE VIEW top_users AS
    SELECT u.id AS user_id, u.email, count(s.id)::int AS sessions,
           greatest(max(s.last_active_at), u.last_active_at) AS last_active_at
    FROM users u
    LEFT JOIN sessions s ON s.user_id = u.id
    WHERE u.deleted_at IS NULL
    GROUP BY u.id, u.email, u.last_active_at`.execute(db);
}

import { type Database, schemaOf } from '@clerk-sync/db';
import { type Kysely, sql } from 'kysely';

export interface StatsReport {
  totals: {
    users: number;
    deletedUsers: number;
    organizations: number;
    memberships: number;
    sessions: number;
  };
  signupsPerWeek: Array<{ week: string; signups: number }>;
  active: { daily: number; weekly: number; monthly: number };
  topUsers: Array<{ userId: string; sessions: number }>;
  largestOrganizations: Array<{ organizationId: string; name: string | null; members: number }>;
}

/** Reads the analytics views into one report; `weeks` bounds the signup chart. */
export async function readStats(db: Kysely<Database>, weeks = 12): Promise<StatsReport> {
  const count = async (query: ReturnType<typeof sql<{ n: number }>>) =>
    Number((await query.execute(db)).rows[0]?.n ?? 0);
  const schema = schemaOf(db);
  const t = (name: string) => sql.table(`${schema}.${name}`);
  const totals = {
    users: await count(sql`SELECT count(*)::int AS n FROM ${t('users')} WHERE deleted_at IS NULL`),
    deletedUsers: await count(sql`SELECT count(*)::int AS n FROM ${t('users')} WHERE deleted_at IS NOT NULL`),
    organizations: await count(
      sql`SELECT count(*)::int AS n FROM ${t('organizations')} WHERE deleted_at IS NULL`,
    ),
    memberships: await count(sql`SELECT count(*)::int AS n FROM ${t('organization_members')}`),
    sessions: await count(sql`SELECT count(*)::int AS n FROM ${t('sessions')}`),
  };
  const signups = await sql<{ week: Date; signups: number }>`
    SELECT week, signups FROM ${t('signups_per_week')} ORDER BY week DESC LIMIT ${weeks}`.execute(db);
  const latest = async (view: string) =>
    count(sql`SELECT coalesce(max(active_users), 0)::int AS n FROM ${t(view)}
              WHERE period = (SELECT max(period) FROM ${t(view)})`);
  const top = await sql<{ user_id: string; sessions: number }>`
    SELECT user_id, sessions FROM ${t('top_users')} ORDER BY sessions DESC, last_active_at DESC NULLS LAST LIMIT 5`.execute(
    db,
  );
  const orgs = await sql<{ organization_id: string; organization_name: string | null; members: number }>`
    SELECT organization_id, max(organization_name) AS organization_name, sum(members)::int AS members
    FROM ${t('organization_roles')} GROUP BY organization_id ORDER BY members DESC LIMIT 5`.execute(db);
  return {
    totals,
    signupsPerWeek: signups.rows
      .reverse()
      .map((r) => ({ week: r.week.toISOString().slice(0, 10), signups: r.signups })),
    active: {
      daily: await latest('daily_active_users'),
      weekly: await latest('weekly_active_users'),
      monthly: await latest('monthly_active_users'),
    },
    topUsers: top.rows.map((r) => ({ userId: r.user_id, sessions: r.sessions })),
    largestOrganizations: orgs.rows.map((r) => ({
      organizationId: r.organization_id,
      name: r.organization_name,
      members: r.members,
    })),
  };
}

const fmt = new Intl.NumberFormat('en-US');

/** Plain text for a terminal: totals, a bar chart of signups per week, activity, and the leaders. */
export function renderStats(report: StatsReport, width = 40): string {
  const lines: string[] = [];
  const t = report.totals;
  lines.push(
    `users ${fmt.format(t.users)} (+${fmt.format(t.deletedUsers)} deleted)   organizations ${fmt.format(t.organizations)}   memberships ${fmt.format(t.memberships)}   sessions ${fmt.format(t.sessions)}`,
  );
  lines.push('', 'signups per week');
  const max = Math.max(1, ...report.signupsPerWeek.map((w) => w.signups));
  if (report.signupsPerWeek.length === 0) lines.push('  (no signups yet)');
  for (const w of report.signupsPerWeek) {
    const bar = '█'.repeat(Math.round((w.signups / max) * width)) || (w.signups > 0 ? '▏' : '');
    lines.push(`  ${w.week}  ${bar} ${fmt.format(w.signups)}`);
  }
  lines.push(
    '',
    `active users (latest day / week / month): ${fmt.format(report.active.daily)} / ${fmt.format(report.active.weekly)} / ${fmt.format(report.active.monthly)}`,
  );
  lines.push('', 'top users by sessions');
  for (const u of report.topUsers) lines.push(`  ${u.userId}  ${fmt.format(u.sessions)}`);
  if (report.topUsers.length === 0) lines.push('  (none)');
  lines.push('', 'largest organizations');
  for (const o of report.largestOrganizations)
    lines.push(`  ${o.organizationId}  ${o.name ?? ''}  ${fmt.format(o.members)} members`);
  if (report.largestOrganizations.length === 0) lines.push('  (none)');
  return lines.join('\n');
}

import {
  type ClerkDatabase,
  readActiveUsers,
  readLargestOrganizations,
  readSignupsPerWeek,
  readTopUsers,
  readTotals,
} from '@clerk-sync/db';

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
  largestOrganizations: Array<{ organizationId: string | null; name: string | null; members: number }>;
}

/** Reads the analytics views into one report; `weeks` bounds the signup chart. */
export async function readStats(db: ClerkDatabase['db'], weeks = 12): Promise<StatsReport> {
  const totals = await readTotals(db);
  const signups = await readSignupsPerWeek(db, weeks);
  const active = await readActiveUsers(db);
  const topUsers = await readTopUsers(db, 5);
  const largestOrganizations = await readLargestOrganizations(db, 5);
  return {
    totals,
    signupsPerWeek: signups.map((r) => ({ week: r.week.toISOString().slice(0, 10), signups: r.signups })),
    active,
    topUsers,
    largestOrganizations,
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

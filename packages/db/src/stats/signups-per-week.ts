import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';

/** One UTC week (from its Monday) and the users who signed up in it. */
export interface WeeklySignups {
  week: Date;
  signups: number;
}

/** The latest `weeks` weeks that had signups, oldest first (the `signups_per_week` view). */
export async function readSignupsPerWeek(
  db: Kysely<Database> | Transaction<Database>,
  weeks: number,
): Promise<WeeklySignups[]> {
  const rows = await db
    .selectFrom('signups_per_week')
    .select(['week', 'signups'])
    .orderBy('week', 'desc')
    .limit(weeks)
    .execute();
  return rows.reverse();
}

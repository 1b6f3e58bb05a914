import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';

/** Distinct active users in the latest day, week and month that had any activity. */
export interface ActiveUsers {
  daily: number;
  weekly: number;
  monthly: number;
}

type ActiveUsersView = 'daily_active_users' | 'weekly_active_users' | 'monthly_active_users';

/** Reads the latest period of each active-user view; 0 when there was no activity yet. */
export async function readActiveUsers(db: Kysely<Database> | Transaction<Database>): Promise<ActiveUsers> {
  return {
    daily: await latest(db, 'daily_active_users'),
    weekly: await latest(db, 'weekly_active_users'),
    monthly: await latest(db, 'monthly_active_users'),
  };
}

async function latest(db: Kysely<Database> | Transaction<Database>, view: ActiveUsersView): Promise<number> {
  const row = await db
    .selectFrom(view)
    .select((eb) => eb.cast<number>(eb.fn.coalesce(eb.fn.max('active_users'), eb.lit(0)), 'integer').as('n'))
    .where('period', '=', (eb) => eb.selectFrom(view).select((sub) => sub.fn.max('period').as('latest')))
    .executeTakeFirst();
  return row?.n ?? 0;
}

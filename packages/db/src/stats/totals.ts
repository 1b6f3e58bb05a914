import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';

/** Row counts for a summary: live users, deleted users, live organizations, live memberships, sessions. */
export interface Totals {
  users: number;
  deletedUsers: number;
  organizations: number;
  /** Memberships of live users in live organizations (the `organization_members` view). */
  memberships: number;
  sessions: number;
}

/** `count(*)` as an `integer` named `n`: int8 would need a parser on every driver. */
export function countRows<TB extends keyof Database>(eb: ExpressionBuilder<Database, TB>) {
  return eb.cast<number>(eb.fn.countAll(), 'integer').as('n');
}

/** Reads the {@link Totals}, one count per query. */
export async function readTotals(db: Kysely<Database> | Transaction<Database>): Promise<Totals> {
  const n = async (query: { executeTakeFirst(): Promise<{ n: number } | undefined> }) =>
    (await query.executeTakeFirst())?.n ?? 0;
  return {
    users: await n(db.selectFrom('users').select(countRows).where('deleted_at', 'is', null)),
    deletedUsers: await n(db.selectFrom('users').select(countRows).where('deleted_at', 'is not', null)),
    organizations: await n(db.selectFrom('organizations').select(countRows).where('deleted_at', 'is', null)),
    memberships: await n(db.selectFrom('organization_members').select(countRows)),
    sessions: await n(db.selectFrom('sessions').select(countRows)),
  };
}

import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.js';
import { schemaOf } from '../open-database.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long each kind of row is kept, in days. `undefined` keeps it forever. */
export interface RetentionPolicy {
  /** `webhook_events`, the inbox of svix-ids, by `received_at`. Svix stops retrying after about 27 hours. */
  webhookEventsDays: number | undefined;
  /** `messages` (emails and SMS, with recipients and subjects), by `created_at`. */
  messagesDays: number | undefined;
  /** Finished sessions (any status but `active` and `pending`), by `updated_at`. */
  sessionsDays: number | undefined;
  /** `audit_log`, by `applied_at`. Only the owner role can delete from it; see {@link pruneExpired}. */
  auditLogDays: number | undefined;
  /**
   * `changes`, the change feed, by `changed_at`. A subscriber that stays away longer than this misses
   * what was pruned: it should re-read the tables it mirrors and resume from the newest `seq`.
   */
  changesDays: number | undefined;
}

export type PrunedCounts = Record<keyof RetentionPolicy, number>;

/** The table each policy entry prunes, for logs, reports and metric labels. */
export const retentionTables: Readonly<Record<keyof RetentionPolicy, string>> = {
  webhookEventsDays: 'webhook_events',
  messagesDays: 'messages',
  sessionsDays: 'sessions',
  auditLogDays: 'audit_log',
  changesDays: 'changes',
};

/** Counts of zero for every policy entry. */
export function noRowsPruned(): PrunedCounts {
  return { webhookEventsDays: 0, messagesDays: 0, sessionsDays: 0, auditLogDays: 0, changesDays: 0 };
}

export interface PruneOptions {
  /** Rows deleted per statement, so that no statement holds locks for long. @defaultValue 1000 */
  batchSize?: number;
  now?: Date;
  /** Called after each batch with the running counts (for logs and progress). */
  onBatch?: (counts: PrunedCounts) => void;
}

/**
 * Deletes rows older than the policy allows, oldest first, `batchSize` at a time, each batch in its
 * own short statement (safe behind a transaction-mode pooler). The audit log is pruned only when the
 * role may delete from it (the owner; the documented writer role may not), so a worker running as the
 * writer leaves it alone and `clerk-sync prune` run as the owner does it.
 */
export async function pruneExpired(
  db: Kysely<Database>,
  policy: RetentionPolicy,
  options: PruneOptions = {},
): Promise<PrunedCounts> {
  const batchSize = options.batchSize ?? 1000;
  const now = options.now ?? new Date();
  const cutoff = (days: number | undefined) =>
    days === undefined ? undefined : new Date(now.getTime() - days * DAY_MS);
  const counts = noRowsPruned();
  const steps: [keyof RetentionPolicy, (before: Date) => Promise<number>][] = [
    ['webhookEventsDays', (before) => pruneWebhookEvents(db, before, batchSize)],
    ['messagesDays', (before) => pruneMessages(db, before, batchSize)],
    ['sessionsDays', (before) => pruneSessions(db, before, batchSize)],
    ['auditLogDays', (before) => pruneAuditLog(db, before, batchSize)],
    ['changesDays', (before) => pruneChanges(db, before, batchSize)],
  ];
  for (const [key, prune] of steps) {
    const before = cutoff(policy[key]);
    if (before === undefined) continue;
    if (key === 'auditLogDays' && !(await mayPruneAuditLog(db))) continue;
    for (;;) {
      const deleted = await prune(before);
      counts[key] += deleted;
      if (deleted > 0) options.onBatch?.({ ...counts });
      if (deleted < batchSize) break;
    }
  }
  return counts;
}

const deleted = (result: { numDeletedRows: bigint } | undefined) => Number(result?.numDeletedRows ?? 0n);

async function pruneWebhookEvents(db: Kysely<Database>, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_events')
    .where('svix_id', 'in', (eb) =>
      eb.selectFrom('webhook_events').select('svix_id').where('received_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

async function pruneMessages(db: Kysely<Database>, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('messages')
    .where('id', 'in', (eb) =>
      eb.selectFrom('messages').select('id').where('created_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

async function pruneSessions(db: Kysely<Database>, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('sessions')
        .select('id')
        .where('status', 'not in', ['active', 'pending'])
        .where('updated_at', '<', before)
        .limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

/**
 * Oldest first by `seq`, and only below the first change that is young enough to keep: `changed_at`
 * need not grow with `seq` (clocks), so a reader never finds a hole below a change that is still there.
 */
async function pruneChanges(db: Kysely<Database>, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('changes')
    .where('seq', 'in', (eb) =>
      eb
        .selectFrom('changes')
        .select('seq')
        .where(({ eb: e, fn, selectFrom }) =>
          e(
            'seq',
            '<',
            fn.coalesce(
              selectFrom('changes')
                .select((k) => k.fn.min('seq').as('m'))
                .where('changed_at', '>=', before),
              sql<number>`9223372036854775807`,
            ),
          ),
        )
        .orderBy('seq')
        .limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

/** True when the connected role holds DELETE on `audit_log` (the owner does; the writer role does not). */
export async function mayPruneAuditLog(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ allowed: boolean }>`
    SELECT has_table_privilege(current_user, ${`${schemaOf(db)}.audit_log`}, 'DELETE') AS allowed`.execute(
    db,
  );
  return rows[0]?.allowed === true;
}

/**
 * The audit log's append-only trigger lets a DELETE through only for rows applied before
 * `clerk_sync.audit_prune_before`, set for this one transaction.
 */
async function pruneAuditLog(db: Kysely<Database>, before: Date, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('clerk_sync.audit_prune_before', ${before.toISOString()}, true)`.execute(trx);
    const result = await trx
      .deleteFrom('audit_log')
      .where('id', 'in', (eb) =>
        eb.selectFrom('audit_log').select('id').where('applied_at', '<', before).orderBy('id').limit(limit),
      )
      .executeTakeFirst();
    return deleted(result);
  });
}

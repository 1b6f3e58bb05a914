import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { DriftKind } from '../tables/drift-report.table.js';

/** One count of the last reconcile's drift. */
export interface DriftCount {
  /** A backfill source's name: `users`, `organizations`, `memberships`, `invitations`, `domains`, `roles`, … */
  entity: string;
  kind: DriftKind;
  rows: number;
}

export interface DriftReport {
  counts: DriftCount[];
  /** When the last reconcile wrote it; undefined if none has. */
  reportedAt: Date | undefined;
}

/** Replaces the stored drift with `counts`, in one transaction, so readers see one run or the other. */
export async function saveDriftReport(db: Kysely<Database>, counts: readonly DriftCount[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('drift_report').execute();
    if (counts.length === 0) return;
    const reportedAt = new Date();
    await trx
      .insertInto('drift_report')
      .values(counts.map((c) => ({ entity: c.entity, kind: c.kind, rows: c.rows, reported_at: reportedAt })))
      .execute();
  });
}

/** The drift the last reconcile stored. */
export async function readDriftReport(db: Kysely<Database> | Transaction<Database>): Promise<DriftReport> {
  const rows = await db
    .selectFrom('drift_report')
    .select(['entity', 'kind', 'rows', 'reported_at'])
    .orderBy('entity')
    .orderBy('kind')
    .execute();
  return {
    counts: rows.map((r) => ({ entity: r.entity, kind: r.kind, rows: r.rows })),
    reportedAt: rows[0]?.reported_at,
  };
}

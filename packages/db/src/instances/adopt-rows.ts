import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.js';
import { instanceTables } from '../migrations/2026-11-24T2200-instances.js';
import { schemaOf } from '../open-database.js';

/** Rows that record no instance yet, per table; tables without any are left out. */
export type UnadoptedRows = Partial<Record<(typeof instanceTables)[number]['name'], number>>;

/**
 * Counts the rows of `db`'s schema that record no instance: rows written before instances were
 * recorded. Each table's partial index holds exactly those rows, so this reads only them.
 */
export async function countUnadopted(db: Kysely<Database>): Promise<UnadoptedRows> {
  const schema = schemaOf(db);
  const counts: UnadoptedRows = {};
  for (const { name } of instanceTables) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${sql.table(`${schema}.${name}`)} WHERE instance_id IS NULL`.execute(db);
    const n = rows[0]?.n ?? 0;
    if (n > 0) counts[name] = n;
  }
  return counts;
}

export interface AdoptOptions {
  /** Rows per transaction (default 5,000): short transactions, no long lock on a busy table. */
  batchSize?: number;
  /** Called after each batch with the table and the rows it has adopted so far. */
  onProgress?: (table: string, adopted: number) => void;
}

/**
 * Assigns every row of `db`'s schema that records no instance to `instanceId`: the explicit
 * migration of rows written before instances were recorded (`clerk-sync adopt-instance`). Rows that
 * already record an instance are never touched, so it is safe to run again or while the worker runs.
 * Returns the rows adopted per table.
 */
export async function adoptRows(
  db: Kysely<Database>,
  instanceId: string,
  options: AdoptOptions = {},
): Promise<UnadoptedRows> {
  const schema = schemaOf(db);
  const batchSize = options.batchSize ?? 5000;
  const adopted: UnadoptedRows = {};
  for (const { name, key } of instanceTables) {
    const table = sql.table(`${schema}.${name}`);
    const keys = sql.raw(
      key
        .split(', ')
        .map((k) => `"${k}"`)
        .join(', '),
    );
    let total = 0;
    for (;;) {
      const result = await sql`
        UPDATE ${table} SET instance_id = ${instanceId}
        WHERE (${keys}) IN (SELECT ${keys} FROM ${table} WHERE instance_id IS NULL LIMIT ${batchSize})
          AND instance_id IS NULL`.execute(db);
      const n = Number(result.numAffectedRows ?? 0);
      if (n === 0) break;
      total += n;
      options.onProgress?.(name, total);
    }
    if (total > 0) adopted[name] = total;
  }
  return adopted;
}

import type { ClerkDatabase } from '@clerk-sync/db';
import { sql } from '@clerk-sync/db/testing';
import type { ExpectedRow } from '@clerk-sync/testkit';

const tables = {
  user: 'users',
  organization: 'organizations',
  organization_membership: 'organization_memberships',
} as const;

/**
 * How the synced tables in `schema` differ from the simulator's oracle (the history applied once, in
 * order): row counts, missing rows, versions, tombstones, and each live user's name at its version.
 * Empty when the copy is exactly right.
 */
export async function oracleDiff(
  database: ClerkDatabase,
  schema: string,
  expectedRows: readonly ExpectedRow[],
): Promise<string[]> {
  const diffs: string[] = [];
  for (const [kind, table] of Object.entries(tables)) {
    const { rows } = await sql<{ id: string; version: number; deleted_at: Date | null }>`
      SELECT id, version, deleted_at FROM ${sql.table(`${schema}.${table}`)}`.execute(database.db);
    const actual = new Map(rows.map((r) => [r.id, r]));
    const expected = expectedRows.filter((e) => e.kind === kind);
    if (rows.length !== expected.length)
      diffs.push(`${table}: ${rows.length} rows, expected ${expected.length}`);
    for (const e of expected) {
      const row = actual.get(e.id);
      if (!row) diffs.push(`${e.id}: missing`);
      else if (Number(row.version) !== e.version || (row.deleted_at !== null) !== e.deleted) {
        diffs.push(
          `${e.id}: version ${row.version} deleted ${row.deleted_at !== null}, expected ${e.version} ${e.deleted}`,
        );
      }
    }
  }
  const live = await sql<{ id: string; first_name: string | null; version: number }>`
    SELECT id, first_name, version FROM ${sql.table(`${schema}.users`)} WHERE deleted_at IS NULL`.execute(
    database.db,
  );
  for (const r of live.rows) {
    if (r.first_name !== `First ${r.version}`)
      diffs.push(`${r.id}: first_name ${r.first_name} at version ${r.version}`);
  }
  return diffs;
}

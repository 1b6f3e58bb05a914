import type { EntityTable } from './entity-tables.js';

/**
 * The three statements that write a synced table, built once per table. Rows arrive as one jsonb
 * array parameter (`$1`), so a batch is one round trip per statement whatever its size, on Postgres
 * and PGlite alike. The version guard lives here and nowhere else.
 */
export interface EntitySql {
  /** Insert or update live rows; skips rows that are tombstoned or newer. Returns applied ids. */
  upsert: string;
  /** Write tombstones: delete-payload values, personal columns null. Returns applied ids. */
  tombstone: string;
  /** Fill immutable facts that a row still lacks, from events that were otherwise stale. */
  fillImmutable: string;
}

const q = (name: string) => `"${name}"`;

export function buildEntitySql(table: EntityTable): EntitySql {
  const data = Object.keys(table.columns);
  const recordset = (extra: string[]) =>
    `jsonb_to_recordset($1::jsonb) AS x(${[
      '"id" text',
      ...data.map((c) => `${q(c)} ${table.columns[c]}`),
      '"version" bigint',
      ...extra,
    ].join(', ')})`;
  const keep = (c: string) =>
    table.immutable.includes(c)
      ? `${q(c)} = COALESCE(t.${q(c)}, excluded.${q(c)})`
      : `${q(c)} = excluded.${q(c)}`;
  const insertCols = ['id', ...data, 'version'].map(q).join(', ');

  const upsert = `INSERT INTO ${q(table.name)} AS t (${insertCols})
SELECT ${insertCols} FROM ${recordset([])}
ON CONFLICT ("id") DO UPDATE SET ${[...data.map(keep), '"version" = excluded."version"'].join(', ')}
WHERE t."deleted_at" IS NULL AND t."version" <= excluded."version"
RETURNING "id"`;

  const tombstone = `INSERT INTO ${q(table.name)} AS t (${insertCols}, "deleted_at")
SELECT ${insertCols}, "deleted_at" FROM ${recordset(['"deleted_at" timestamptz'])}
ON CONFLICT ("id") DO UPDATE SET ${[
    ...data.map(keep),
    '"version" = excluded."version"',
    '"deleted_at" = excluded."deleted_at"',
  ].join(', ')}
WHERE t."deleted_at" IS NULL OR t."version" < excluded."version"
RETURNING "id"`;

  const immutable = table.immutable;
  const fillImmutable = `UPDATE ${q(table.name)} AS t SET ${immutable
    .map((c) => `${q(c)} = COALESCE(t.${q(c)}, x.${q(c)})`)
    .join(', ')}
FROM ${recordset([])}
WHERE t."id" = x."id" AND (${immutable.map((c) => `(t.${q(c)} IS NULL AND x.${q(c)} IS NOT NULL)`).join(' OR ')})`;

  return { upsert, tombstone, fillImmutable };
}

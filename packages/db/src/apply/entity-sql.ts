import type { EntityTable } from '../schema/entity-table.js';

/**
 * The statements that write a synced table, built once per table. Rows arrive as one jsonb array
 * parameter (`$1`), so a batch is one round trip per statement whatever its size, on Postgres and
 * PGlite alike. The version guard lives here and nowhere else. Every table is named with its schema.
 */
export interface EntitySql {
  /**
   * Insert or update live rows; skips rows that are tombstoned, hard-deleted or later in the order
   * (see {@link orderOf}). An equal key writes again: the same event, or an equal snapshot. Returns applied ids.
   */
  upsert: string;
  /**
   * Write tombstones: delete-payload values, personal columns null, immutable facts and `keptOnDelete`
   * columns kept. Over a tombstone only a later delete writes. Returns applied ids.
   */
  tombstone: string;
  /** `USER_DELETION=hard`: remove the rows, keep a minimal entry in `tombstones`. Returns applied ids. */
  hardDelete: string;
  /**
   * From events that were otherwise stale: fill immutable facts a row still lacks, and `keptOnDelete`
   * columns a tombstone still lacks.
   */
  fillImmutable: string;
  /**
   * For each `$1` id, the instance that owns it: the row's `instance_id`, or its hard-delete tombstone's.
   * Ids with no row, or rows no instance owns yet, are left out.
   */
  owners: string;
  /**
   * Serialises writers of the same rows: one `pg_advisory_xact_lock` per `$1` key, taken in hash order
   * so that two batches never wait on each other in a cycle. Held until commit.
   */
  lockRows: string;
}

const q = (name: string) => `"${name}"`;

/** `"schema"."table"`: connections have no `search_path` to resolve a bare name (see `schemaOf`). */
export const qualified = (schema: string, table: string) => `${q(schema)}.${q(table)}`;

/**
 * The order key of the row or recordset aliased `alias`, as a row value for `<` / `<=`: the SQL twin
 * of `compareOrderKeys`. NULLs (snapshots, rows written before the key existed) sort lowest; the
 * svix-id compares bytewise whatever the database's collation.
 */
export const orderOf = (alias: string) =>
  `(${alias}."version", COALESCE(${alias}."event_ts", -1), COALESCE(${alias}."svix_id", '') COLLATE "C")`;

export function buildEntitySql(table: EntityTable, schema: string): EntitySql {
  const target = qualified(schema, table.name);
  const tombstones = qualified(schema, 'tombstones');
  const data = Object.keys(table.columns);
  const recordset = (extra: string[]) =>
    `jsonb_to_recordset($1::jsonb) AS x(${[
      '"id" text',
      ...data.map((c) => `${q(c)} ${table.columns[c]}`),
      '"version" bigint',
      '"last_event_id" text',
      '"event_ts" bigint',
      '"svix_id" text',
      '"instance_id" text',
      ...extra,
    ].join(', ')})`;
  const keep = (c: string) =>
    table.immutable.includes(c)
      ? `${q(c)} = COALESCE(t.${q(c)}, excluded.${q(c)})`
      : `${q(c)} = excluded.${q(c)}`;
  const onDelete = (c: string) =>
    table.keptOnDelete.includes(c) ? `${q(c)} = COALESCE(excluded.${q(c)}, t.${q(c)})` : keep(c);
  const lifecycle = ['version', 'last_event_id', 'event_ts', 'svix_id'];
  const insertCols = ['id', ...data, ...lifecycle, 'instance_id'].map(q).join(', ');
  const bookkeeping = (alias: string) => [
    ...lifecycle.map((c) => `${q(c)} = excluded.${q(c)}`),
    // A row no instance owns yet (written before instances were recorded) is claimed by its writer.
    `"instance_id" = COALESCE(${alias}."instance_id", excluded."instance_id")`,
  ];
  const notHardDeleted = `NOT EXISTS (SELECT 1 FROM ${tombstones} tb WHERE tb."entity" = '${table.name}' AND tb."id" = x."id")`;
  // A writer may write rows of its own instance and rows that record none. A writer that names no
  // instance (an event without instance_id and no CLERK_INSTANCE_ID, a key Clerk would not name)
  // writes only rows that record none: it cannot prove they are not another instance's.
  // Never NULL (so `NOT owned` means what it says): IS NOT DISTINCT FROM, not `=`.
  const owned = (row: string, writer: string) =>
    `(${row}."instance_id" IS NULL OR ${row}."instance_id" IS NOT DISTINCT FROM ${writer}."instance_id")`;

  const upsert = `INSERT INTO ${target} AS t (${insertCols})
SELECT ${insertCols} FROM ${recordset([])}
WHERE ${notHardDeleted}
ON CONFLICT ("id") DO UPDATE SET ${[...data.map(keep), ...bookkeeping('t')].join(', ')}
WHERE t."deleted_at" IS NULL AND ${orderOf('t')} <= ${orderOf('excluded')} AND ${owned('t', 'excluded')}
RETURNING "id"`;

  const tombstone = `INSERT INTO ${target} AS t (${insertCols}, "deleted_at")
SELECT ${insertCols}, "deleted_at" FROM ${recordset(['"deleted_at" timestamptz'])}
WHERE ${notHardDeleted}
ON CONFLICT ("id") DO UPDATE SET ${[...data.map(onDelete), ...bookkeeping('t'), '"deleted_at" = excluded."deleted_at"'].join(', ')}
WHERE (t."deleted_at" IS NULL OR ${orderOf('t')} < ${orderOf('excluded')}) AND ${owned('t', 'excluded')}
RETURNING "id"`;

  // Both parts see the rows as they were before the statement: another instance's row is neither
  // removed nor shadowed by a tombstone. A writer that names no instance leaves the removed row's
  // instance on its tombstone.
  const hardDelete = `WITH removed AS (
  DELETE FROM ${target} AS t USING jsonb_to_recordset($1::jsonb) AS d("id" text, "instance_id" text)
  WHERE t."id" = d."id" AND ${owned('t', 'd')}
)
INSERT INTO ${tombstones} AS tb ("entity", "id", "deleted_at", ${lifecycle.map(q).join(', ')}, "instance_id")
SELECT '${table.name}', x."id", x."deleted_at", ${lifecycle.map((c) => `x.${q(c)}`).join(', ')},
  COALESCE(x."instance_id", (SELECT r."instance_id" FROM ${target} r WHERE r."id" = x."id"))
FROM jsonb_to_recordset($1::jsonb) AS x("id" text, "deleted_at" timestamptz, "version" bigint, "last_event_id" text,
  "event_ts" bigint, "svix_id" text, "instance_id" text)
WHERE NOT EXISTS (SELECT 1 FROM ${target} o WHERE o."id" = x."id" AND NOT ${owned('o', 'x')})
ON CONFLICT ("entity", "id") DO UPDATE SET "deleted_at" = excluded."deleted_at", ${bookkeeping('tb').join(', ')}
WHERE ${orderOf('tb')} < ${orderOf('excluded')} AND ${owned('tb', 'excluded')}
RETURNING "id"`;

  const tombstoned = 't."deleted_at" IS NOT NULL';
  const fills = [
    ...table.immutable.map((c) => ({
      set: `${q(c)} = COALESCE(t.${q(c)}, x.${q(c)})`,
      lacks: `(t.${q(c)} IS NULL AND x.${q(c)} IS NOT NULL)`,
    })),
    ...table.keptOnDelete.map((c) => ({
      set: `${q(c)} = CASE WHEN ${tombstoned} THEN COALESCE(t.${q(c)}, x.${q(c)}) ELSE t.${q(c)} END`,
      lacks: `(${tombstoned} AND t.${q(c)} IS NULL AND x.${q(c)} IS NOT NULL)`,
    })),
  ];
  const fillImmutable = `UPDATE ${target} AS t SET ${fills.map((f) => f.set).join(', ')}
FROM ${recordset([])}
WHERE t."id" = x."id" AND ${owned('t', 'x')} AND (${fills.map((f) => f.lacks).join(' OR ')})`;

  const owners = `SELECT x."id", COALESCE(t."instance_id", tb."instance_id") AS "instance_id"
FROM jsonb_to_recordset($1::jsonb) AS x("id" text)
LEFT JOIN ${target} t ON t."id" = x."id"
LEFT JOIN ${tombstones} tb ON tb."entity" = '${table.name}' AND tb."id" = x."id"
WHERE COALESCE(t."instance_id", tb."instance_id") IS NOT NULL`;

  const lockRows = `SELECT pg_catalog.pg_advisory_xact_lock(l."key") FROM (
  SELECT DISTINCT pg_catalog.hashtextextended(x."key", 0) AS "key" FROM jsonb_to_recordset($1::jsonb) AS x("key" text)
  ORDER BY 1
) AS l`;

  return { upsert, tombstone, hardDelete, fillImmutable, owners, lockRows };
}

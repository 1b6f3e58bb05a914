import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { assertSchemaName, type DbConfig } from './db-config.js';

export interface ClerkDatabase {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  schema: string;
  /** Closes the pool or the embedded database. Safe to call twice. */
  close(): Promise<void>;
}

const INT8_OID = 20;

/** Versions are epoch milliseconds: they fit a JS number exactly, so read int8 as number, not string. */
function getTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format);
}

/**
 * Opens Postgres (a `pg` pool) or, with no `databaseUrl`, embedded PGlite. Every connection gets
 * `search_path` = the schema, so all SQL in this package is unqualified and tests can use a schema each.
 *
 * @example const { db, close } = await openDatabase(readDbConfig(process.env));
 */
export async function openDatabase(config: DbConfig): Promise<ClerkDatabase> {
  const schema = assertSchemaName(config.schema);
  if (config.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolSize,
      options: `-c search_path=${schema}`,
      types: { getTypeParser } as pg.CustomTypesConfig,
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', schema, close: once(() => db.destroy()) };
  }
  if (!config.pgliteDir.startsWith('memory://')) mkdirSync(config.pgliteDir, { recursive: true });
  const pglite = await PGlite.create(config.pgliteDir);
  const db = new Kysely<Database>({
    dialect: new PGliteDialect({
      pglite,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`SET search_path TO ${schema}`));
      },
    }),
  });
  return { db, kind: 'pglite', schema, close: once(() => db.destroy()) };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

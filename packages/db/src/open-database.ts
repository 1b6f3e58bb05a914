import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DialectAdapter,
  type Driver,
  Kysely,
  PGliteDialect,
  PostgresAdapter,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  type SchemaMetadata,
  sql,
  type TableMetadata,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { assertSchemaName, type DbConfig, type DbTimeouts, DEFAULT_DB_TIMEOUTS } from './db-config.js';

export interface ClerkDatabase {
  /** Qualifies the tables of every query it builds with `schema`; raw SQL uses {@link schemaOf}. */
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  schema: string;
  /**
   * The same connections, with queries qualified by another schema (an instance's own, see
   * `CLERK_INSTANCES`): `schemaOf` knows it, so the apply path writes there. Kept per schema.
   */
  inSchema(schema: string): Kysely<Database>;
  /** Closes the pool or the embedded database. Safe to call twice. */
  close(): Promise<void>;
}

const INT8_OID = 20;

/** How long after `statement_timeout` the client stops waiting for a server that no longer answers. */
export const QUERY_GRACE_MS = 5_000;

/** Versions are epoch milliseconds: they fit a JS number exactly, so read int8 as number, not string. */
function getTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format);
}

const schemas = new WeakMap<Kysely<Database>, string>();

/**
 * The schema of a database opened by {@link openDatabase}. Raw SQL names its tables through it
 * (`sql.table(\`${schemaOf(db)}.users\`)`), because no connection has a `search_path` to rely on:
 * behind a transaction-mode pooler, session settings would leak to other clients or be lost.
 */
export function schemaOf(db: Kysely<Database>): string {
  const schema = schemas.get(db);
  if (schema === undefined)
    throw new Error('schemaOf: this Kysely instance was not opened by openDatabase()');
  return schema;
}

/**
 * Opens Postgres (a `pg` pool) or, with no `databaseUrl`, embedded PGlite. Nothing is sent at
 * connection start besides user and database, and no session state is kept between transactions, so
 * the same code works directly and through PgBouncer or Supavisor in transaction mode: queries name
 * `schema` explicitly, timeouts are set per transaction, and migrations lock per transaction.
 *
 * @example const { db, close } = await openDatabase(dbConfigFromEnv(parseEnv(dbEnv, process.env, 'migrate')));
 */
export async function openDatabase(config: DbConfig): Promise<ClerkDatabase> {
  const schema = assertSchemaName(config.schema);
  const register = (base: Kysely<Database>, kind: ClerkDatabase['kind']): ClerkDatabase => {
    const bySchema = new Map<string, Kysely<Database>>();
    const inSchema = (name: string) => {
      let db = bySchema.get(name);
      if (db === undefined) {
        db = base.withSchema(assertSchemaName(name));
        schemas.set(db, name);
        bySchema.set(name, db);
      }
      return db;
    };
    return { db: inSchema(schema), kind, schema, inSchema, close: once(() => base.destroy()) };
  };
  if (config.databaseUrl) {
    const timeouts = { ...DEFAULT_DB_TIMEOUTS, ...config.timeouts };
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolSize,
      connectionTimeoutMillis: timeouts.connectMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs,
      types: { getTypeParser } as pg.CustomTypesConfig,
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      // Same for a checked-out client: its pending query gets the error, and the pool drops it.
      client.on('error', () => {});
      if (timeouts.statementMs > 0) guardQueries(client, timeouts.statementMs + QUERY_GRACE_MS);
    });
    return register(new Kysely<Database>({ dialect: new PoolerSafeDialect({ pool }, timeouts) }), 'postgres');
  }
  if (!config.pgliteDir.startsWith('memory://')) mkdirSync(config.pgliteDir, { recursive: true });
  const pglite = await PGlite.create(config.pgliteDir);
  return register(new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) }), 'pglite');
}

/**
 * Postgres as a transaction-mode pooler allows it: the migration lock is `pg_advisory_xact_lock`
 * (Kysely's default is a session lock, which a pooler could leave held on a server connection), and
 * every transaction starts by setting its own timeouts with `set_config(…, true)`.
 */
class PoolerSafeDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  readonly #timeouts: DbTimeouts;

  constructor(config: PostgresDialectConfig, timeouts: DbTimeouts) {
    super(config);
    this.#config = config;
    this.#timeouts = timeouts;
  }

  override createDriver(): Driver {
    const { statementMs, idleInTransactionMs } = this.#timeouts;
    return new (class extends PostgresDriver {
      override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
        await super.beginTransaction(connection, settings);
        await connection.executeQuery(
          CompiledQuery.raw(
            `SELECT set_config('statement_timeout', '${statementMs}', true), set_config('idle_in_transaction_session_timeout', '${idleInTransactionMs}', true)`,
          ),
        );
      }
    })(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionLockAdapter();
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CatalogNamesIntrospector(db);
  }
}

/**
 * What Kysely's Migrator asks before it migrates: which schemas and tables exist, by name. Kysely's own
 * introspector reads every column of every table of the database and looks each schema up by name
 * (`has_schema_privilege`, `pg_get_serial_sequence`), which fails with "schema … does not exist" when
 * another session drops a schema meanwhile. This reads names from the catalog and nothing else.
 */
class CatalogNamesIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`SELECT nspname AS name FROM pg_catalog.pg_namespace`.execute(
      this.#db,
    );
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      SELECT c.relname AS name, ns.nspname AS schema, c.relkind AS kind
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'v', 'p', 'f')`.execute(this.#db);
    return rows.map((r) => ({
      name: r.name,
      schema: r.schema,
      isView: r.kind === 'v',
      isForeign: r.kind === 'f',
      columns: [],
    }));
  }
}

const MIGRATION_LOCK_ID = BigInt('3853314791062309107');

/** Kysely's Migrator runs all migrations in one transaction; the lock is released with it. */
class TransactionLockAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(db);
  }

  override async releaseMigrationLock(): Promise<void> {}
}

/**
 * A query that has no answer within `limitMs` destroys its connection, which fails the query and
 * every one queued behind it; the pool then drops the client. `statement_timeout` bounds a slow
 * query on a live server; this bounds a server (or pooler, or network path) that stopped answering.
 */
function guardQueries(client: pg.PoolClient, limitMs: number): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const guarded = (...args: unknown[]) => {
    const pending = query(...args);
    if (!(pending instanceof Promise)) return pending;
    const timer = setTimeout(() => client.connection.stream.destroy(), limitMs);
    return pending.finally(() => clearTimeout(timer));
  };
  Object.assign(client, { query: guarded });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

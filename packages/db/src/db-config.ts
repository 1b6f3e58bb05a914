/** Where the data lives. `databaseUrl` unset means embedded PGlite in `pgliteDir`. */
export interface DbConfig {
  databaseUrl: string | undefined;
  schema: string;
  /** A folder, or `memory://` for a throwaway in-memory database. */
  pgliteDir: string;
  poolSize: number;
  /** Timeouts in ms; unset means the defaults below. See {@link DbTimeouts}. */
  timeouts?: Partial<DbTimeouts>;
}

/**
 * Bounds on every wait for Postgres, so that an unreachable or stalled server fails a batch (which
 * BullMQ then retries) instead of hanging it while its job locks are renewed forever. None of them
 * is sent as a startup parameter: transaction-mode poolers (PgBouncer, Supavisor) refuse those.
 */
export interface DbTimeouts {
  /** TCP connect plus Postgres startup. @defaultValue 10000 */
  connectMs: number;
  /**
   * `SET LOCAL statement_timeout` at the start of every transaction; the client also gives up on a
   * query that has no answer this long after the limit, and drops its connection. 0 turns both off.
   * @defaultValue 30000
   */
  statementMs: number;
  /** `SET LOCAL idle_in_transaction_session_timeout` at the start of every transaction. 0 is off. @defaultValue 60000 */
  idleInTransactionMs: number;
  /** Idle time before the first TCP keepalive probe on each connection. @defaultValue 10000 */
  keepAliveDelayMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = {
  connectMs: 10_000,
  statementMs: 30_000,
  idleInTransactionMs: 60_000,
  keepAliveDelayMs: 10_000,
};

export const DEFAULT_SCHEMA = 'clerk';
export const DEFAULT_PGLITE_DIR = '.data/pglite';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Why `schema` cannot be used as a schema name, or `undefined` when it can. Schema names end up in
 * SQL and in a connection option, so only plain lowercase identifiers pass.
 */
export function schemaNameProblem(schema: string): string | undefined {
  return SCHEMA_NAME.test(schema)
    ? undefined
    : `must be a lowercase identifier (letters, digits, underscores; at most 63), got ${JSON.stringify(schema)}`;
}

/** Returns `schema` if it is a valid schema name; throws naming `DB_SCHEMA` otherwise. */
export function assertSchemaName(schema: string): string {
  const problem = schemaNameProblem(schema);
  if (problem) throw new Error(`DB_SCHEMA ${problem}`);
  return schema;
}

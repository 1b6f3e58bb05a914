import { resolve } from 'node:path';

/** Where the data lives. `databaseUrl` unset means embedded PGlite in `pgliteDir`. */
export interface DbConfig {
  databaseUrl: string | undefined;
  schema: string;
  /** A folder, or `memory://` for a throwaway in-memory database. */
  pgliteDir: string;
  poolSize: number;
}

export const DEFAULT_SCHEMA = 'clerk';
export const DEFAULT_PGLITE_DIR = '.data/pglite';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names end up in SQL and in a connection option, so only plain lowercase identifiers pass. */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `DB_SCHEMA must be a lowercase identifier (letters, digits, underscores; at most 63), got ${JSON.stringify(schema)}`,
    );
  }
  return schema;
}

/**
 * Reads `DATABASE_URL`, `DB_SCHEMA`, `PGLITE_DIR` and `DB_POOL_SIZE` from an env record. Apps call it
 * from their own `env.ts`; tests pass a literal record.
 */
export function readDbConfig(env: Record<string, string | undefined>): DbConfig {
  const poolSize = Number(env.DB_POOL_SIZE ?? 10);
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new Error(`DB_POOL_SIZE must be a positive integer, got ${JSON.stringify(env.DB_POOL_SIZE)}`);
  }
  const pgliteDir = env.PGLITE_DIR || DEFAULT_PGLITE_DIR;
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    schema: assertSchemaName(env.DB_SCHEMA || DEFAULT_SCHEMA),
    pgliteDir: pgliteDir.startsWith('memory://') ? pgliteDir : resolve(pgliteDir),
    poolSize,
  };
}

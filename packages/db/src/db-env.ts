import { resolve } from 'node:path';
import { z } from 'zod';
import {
  type DbConfig,
  DEFAULT_DB_TIMEOUTS,
  DEFAULT_PGLITE_DIR,
  DEFAULT_SCHEMA,
  schemaNameProblem,
} from './db-config.js';

/** The largest timeout Node's timers and Postgres both take: 2^31 - 1 ms, about 24.8 days. */
const MAX_MS = 2_147_483_647;

/** A timeout in ms; unset or empty means `fallback`. */
function millis(fallback: number, min: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= min && value <= MAX_MS) return value;
      ctx.addIssue({
        code: 'custom',
        message: `must be an integer number of milliseconds (at least ${min}), got ${JSON.stringify(raw)}`,
      });
      return z.NEVER;
    });
}

/**
 * Where the data lives: Postgres at `DATABASE_URL` (unset: embedded PGlite in `PGLITE_DIR`), the
 * schema, the pool and the bounds on every wait for Postgres (see {@link DbTimeouts}). Compose it
 * into a process's schema and turn the result into a {@link DbConfig} with {@link dbConfigFromEnv}.
 * `DATABASE_URL` holds a password, so it is never part of a message.
 */
export const dbEnv = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((raw) => raw || undefined),
  DB_SCHEMA: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const schema = raw || DEFAULT_SCHEMA;
      const problem = schemaNameProblem(schema);
      if (problem === undefined) return schema;
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }),
  /** A folder (resolved against the working directory), or `memory://` for a throwaway database. */
  PGLITE_DIR: z
    .string()
    .optional()
    .transform((raw) => {
      const dir = raw || DEFAULT_PGLITE_DIR;
      return dir.startsWith('memory://') ? dir : resolve(dir);
    }),
  DB_POOL_SIZE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = Number(raw ?? 10);
      if (Number.isInteger(value) && value >= 1) return value;
      ctx.addIssue({ code: 'custom', message: `must be a positive integer, got ${JSON.stringify(raw)}` });
      return z.NEVER;
    }),
  DB_CONNECT_TIMEOUT_MS: millis(DEFAULT_DB_TIMEOUTS.connectMs, 1),
  DB_STATEMENT_TIMEOUT_MS: millis(DEFAULT_DB_TIMEOUTS.statementMs, 0),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: millis(DEFAULT_DB_TIMEOUTS.idleInTransactionMs, 0),
  DB_KEEPALIVE_DELAY_MS: millis(DEFAULT_DB_TIMEOUTS.keepAliveDelayMs, 0),
});

export type DbEnv = z.output<typeof dbEnv>;

/**
 * The {@link DbConfig} that `openDatabase` takes, from the parsed variables.
 *
 * @example const { db, close } = await openDatabase(dbConfigFromEnv(env));
 */
export function dbConfigFromEnv(env: DbEnv): DbConfig {
  return {
    databaseUrl: env.DATABASE_URL,
    schema: env.DB_SCHEMA,
    pgliteDir: env.PGLITE_DIR,
    poolSize: env.DB_POOL_SIZE,
    timeouts: {
      connectMs: env.DB_CONNECT_TIMEOUT_MS,
      statementMs: env.DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionMs: env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      keepAliveDelayMs: env.DB_KEEPALIVE_DELAY_MS,
    },
  };
}

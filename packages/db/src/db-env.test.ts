import { resolve } from 'node:path';
import { ConfigError, envKeys, parseEnv } from '@clerk-sync/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DB_TIMEOUTS } from './db-config.js';
import { dbConfigFromEnv, dbEnv } from './db-env.js';

const read = (env: Record<string, string | undefined>) => dbConfigFromEnv(parseEnv(dbEnv, env, 'test'));
const problems = (env: Record<string, string | undefined>) => {
  try {
    read(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
  }
  throw new Error('expected a ConfigError');
};

describe('dbEnv', () => {
  it('defaults to schema clerk and PGlite in .data/pglite, with the default pool and timeouts', () => {
    const config = read({});
    expect(config).toEqual({
      databaseUrl: undefined,
      schema: 'clerk',
      pgliteDir: resolve('.data/pglite'),
      poolSize: 10,
      timeouts: DEFAULT_DB_TIMEOUTS,
    });
  });

  it('treats empty variables as unset, as an empty line in .env or a Secret gives them', () => {
    expect(read({ DATABASE_URL: '', DB_SCHEMA: '', PGLITE_DIR: '', DB_STATEMENT_TIMEOUT_MS: '' })).toEqual(
      read({}),
    );
  });

  it('reads every variable, resolving the PGlite folder but not memory://', () => {
    const config = read({
      DATABASE_URL: 'postgres://app:pw@db:5432/app',
      DB_SCHEMA: 'clerk_sync',
      PGLITE_DIR: 'memory://x',
      DB_POOL_SIZE: '25',
      DB_CONNECT_TIMEOUT_MS: '1',
      DB_STATEMENT_TIMEOUT_MS: '0',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5000',
      DB_KEEPALIVE_DELAY_MS: '2147483647',
    });
    expect(config).toEqual({
      databaseUrl: 'postgres://app:pw@db:5432/app',
      schema: 'clerk_sync',
      pgliteDir: 'memory://x',
      poolSize: 25,
      timeouts: { connectMs: 1, statementMs: 0, idleInTransactionMs: 5000, keepAliveDelayMs: 2_147_483_647 },
    });
    expect(read({ PGLITE_DIR: 'rel/dir' }).pgliteDir).toBe(resolve('rel/dir'));
  });

  it.each(['Clerk', 'a-b', 'x;drop', ''.padEnd(64, 'a')])('rejects the schema name %j', (name) => {
    expect(() => read({ DB_SCHEMA: name })).toThrow(/DB_SCHEMA: must be a lowercase identifier/);
  });

  it('names every bad variable in one error', () => {
    expect(
      problems({
        DB_SCHEMA: 'Bad',
        DB_POOL_SIZE: '0',
        DB_CONNECT_TIMEOUT_MS: '0',
        DB_STATEMENT_TIMEOUT_MS: '-1',
        DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1.5',
        DB_KEEPALIVE_DELAY_MS: '2147483648',
      }).map((p) => p.key),
    ).toEqual([
      'DB_SCHEMA',
      'DB_POOL_SIZE',
      'DB_CONNECT_TIMEOUT_MS',
      'DB_STATEMENT_TIMEOUT_MS',
      'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      'DB_KEEPALIVE_DELAY_MS',
    ]);
    expect(problems({ DB_POOL_SIZE: 'many' })).toEqual([
      { key: 'DB_POOL_SIZE', problem: 'must be a positive integer, got "many"' },
    ]);
    expect(problems({ DB_CONNECT_TIMEOUT_MS: 'soon' })).toEqual([
      {
        key: 'DB_CONNECT_TIMEOUT_MS',
        problem: 'must be an integer number of milliseconds (at least 1), got "soon"',
      },
    ]);
  });

  it('lists every variable it reads', () => {
    expect(envKeys(dbEnv)).toEqual([
      'DATABASE_URL',
      'DB_SCHEMA',
      'PGLITE_DIR',
      'DB_POOL_SIZE',
      'DB_CONNECT_TIMEOUT_MS',
      'DB_STATEMENT_TIMEOUT_MS',
      'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      'DB_KEEPALIVE_DELAY_MS',
    ]);
  });
});

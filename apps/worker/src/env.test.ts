import { ConfigError } from '@clerk-sync/config';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv, workerEnvKeys } from './env.js';

describe('MAX_FUTURE_SKEW_MS', () => {
  it('defaults to one day and is listed with the worker variables', () => {
    expect(readWorkerEnv({}).MAX_FUTURE_SKEW_MS).toBe(86_400_000);
    expect(workerEnvKeys).toContain('MAX_FUTURE_SKEW_MS');
  });

  it('takes a number of milliseconds', () => {
    expect(readWorkerEnv({ MAX_FUTURE_SKEW_MS: '3600000' }).MAX_FUTURE_SKEW_MS).toBe(3_600_000);
  });

  it.each(['soon', '-1', '1000', '90000.5'])('refuses %s, naming the variable', (value) => {
    expect(() => readWorkerEnv({ MAX_FUTURE_SKEW_MS: value })).toThrowError(/MAX_FUTURE_SKEW_MS/);
  });
});

describe('WORKER_CONCURRENCY', () => {
  it('defaults to twice BATCH_MAX, so that one batch gathers while another is written', () => {
    expect(readWorkerEnv({})).toMatchObject({ BATCH_MAX: 200, WORKER_CONCURRENCY: 400 });
    expect(readWorkerEnv({ BATCH_MAX: '50' })).toMatchObject({ BATCH_MAX: 50, WORKER_CONCURRENCY: 100 });
  });

  it('takes a value of its own, whatever BATCH_MAX is', () => {
    expect(readWorkerEnv({ BATCH_MAX: '50', WORKER_CONCURRENCY: '30' }).WORKER_CONCURRENCY).toBe(30);
  });

  it.each(['0', '-5', '2.5', 'many'])('refuses %s, naming the variable', (value) => {
    expect(() => readWorkerEnv({ WORKER_CONCURRENCY: value })).toThrowError(/WORKER_CONCURRENCY/);
  });
});

describe('worker configuration', () => {
  it('folds the database and privacy variables into db and privacy, and keeps the rest flat', () => {
    const env = readWorkerEnv({
      QUEUE_NAME: 'jobs',
      WORKER_CONCURRENCY: '50',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgres://app@db/app',
      DB_SCHEMA: 'sync',
      DB_STATEMENT_TIMEOUT_MS: '5000',
      STORE_PHONE_NUMBERS: 'true',
      USER_DELETION: 'hard',
    });
    expect(env).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_NAME: 'jobs',
      WORKER_CONCURRENCY: 50,
      MIGRATE_ON_START: false,
      SCRUB_COMPLETED_JOBS: true,
      LOG_LEVEL: 'warn',
    });
    expect(env.db).toMatchObject({ databaseUrl: 'postgres://app@db/app', schema: 'sync', poolSize: 10 });
    expect(env.db.timeouts?.statementMs).toBe(5000);
    expect(env.privacy).toMatchObject({
      storePhoneNumbers: true,
      storePrivateMetadata: false,
      userDeletion: 'hard',
    });
    expect(Object.keys(env).filter((k) => k.startsWith('DB_') || k.startsWith('STORE_'))).toEqual([]);
    expect(env).not.toHaveProperty('DATABASE_URL');
  });

  it('names every bad variable, its own and the pieces', () => {
    let error: unknown;
    try {
      readWorkerEnv({
        REDIS_URL: 'nope',
        BATCH_MAX: '0',
        MIGRATE_ON_START: 'yes',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'postgres://app:db-s3cret@db/app',
        DB_SCHEMA: 'Bad-Name',
        DB_POOL_SIZE: 'x',
        STORE_WEB3_WALLETS: 'maybe',
        USER_DELETION: 'shred',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems } = error as ConfigError;
    expect(message.split('\n')[0]).toBe('invalid worker configuration:');
    expect(problems.map((p) => p.key)).toEqual([
      'REDIS_URL',
      'BATCH_MAX',
      'MIGRATE_ON_START',
      'LOG_LEVEL',
      'DB_SCHEMA',
      'DB_POOL_SIZE',
      'STORE_WEB3_WALLETS',
      'USER_DELETION',
    ]);
    expect(message).toContain('  DB_SCHEMA: must be a lowercase identifier');
    expect(message).not.toContain('db-s3cret');
  });

  it('on a Redis Cluster, refuses a queue name without a hash tag, in its ConfigError', () => {
    expect(() => readWorkerEnv({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'clerk-sync replay')).toThrow(
      /^invalid clerk-sync replay configuration:[\s\S]*QUEUE_NAME[\s\S]*hash tag/,
    );
    const env = readWorkerEnv({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_NAME: '{clerk}-events' });
    expect(env.REDIS_CLUSTER_NODES).toEqual([{ host: '127.0.0.1', port: 7000 }]);
  });

  it('lists every variable it reads, the database and privacy ones included', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      {},
      {
        get(_target, key) {
          if (typeof key === 'string') read.add(key);
          return undefined;
        },
      },
    );
    readWorkerEnv(env);
    expect([...workerEnvKeys].sort()).toEqual([...read].sort());
    expect(workerEnvKeys).toEqual(
      expect.arrayContaining([
        'REDIS_URL',
        'LOG_LEVEL',
        'DATABASE_URL',
        'DB_KEEPALIVE_DELAY_MS',
        'USER_DELETION',
      ]),
    );
  });
});

describe('DATABASE_URL under NODE_ENV=production', () => {
  it('refuses embedded PGlite, naming the variable, for the worker and the commands that write', () => {
    for (const env of [{ NODE_ENV: 'production' }, { NODE_ENV: 'production', DATABASE_URL: '' }]) {
      let error: unknown;
      try {
        readWorkerEnv(env, 'worker');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        { key: 'DATABASE_URL', problem: expect.stringContaining('is required with NODE_ENV=production') },
      ]);
    }
  });

  it('keeps PGlite for trying it out, and lets replay (Redis only) run without a database', () => {
    expect(readWorkerEnv({}).db.databaseUrl).toBeUndefined();
    expect(readWorkerEnv({ NODE_ENV: 'development' }).db.databaseUrl).toBeUndefined();
    expect(
      readWorkerEnv({ NODE_ENV: 'production' }, 'clerk-sync replay', { needsDatabase: false }).db.databaseUrl,
    ).toBeUndefined();
    expect(
      readWorkerEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u@db:5432/app' }).db.databaseUrl,
    ).toBe('postgres://u@db:5432/app');
  });
});

describe('instances', () => {
  it('gives each instance its schema, DB_SCHEMA by default, and checks the names', () => {
    const env = readWorkerEnv({ DB_SCHEMA: 'sync', CLERK_INSTANCES: 'prod:ins_P,dev:ins_D:sync_dev' });
    expect(env.instances.instances).toEqual([
      { name: 'prod', id: 'ins_P', schema: 'sync' },
      { name: 'dev', id: 'ins_D', schema: 'sync_dev' },
    ]);
    expect(() => readWorkerEnv({ CLERK_INSTANCES: 'dev:ins_D:Not_A_Schema' })).toThrowError(
      /CLERK_INSTANCES: dev: schema must be a lowercase identifier/,
    );
    expect(readWorkerEnv({}).instances.instances).toEqual([
      { name: 'default', id: undefined, schema: 'clerk' },
    ]);
    expect([...(readWorkerEnv({ CLERK_INSTANCE_ALLOWLIST: 'ins_A' }).instances.allowlist ?? [])]).toEqual([
      'ins_A',
    ]);
  });
});

import { ConfigError } from '@clerk-sync/config';
import { OTHER_SIGNING_SECRET, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { describe, expect, it } from 'vitest';
import { ingestEnvKeys, readIngestEnv } from './env.js';

const base = { CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    readIngestEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('readIngestEnv accepted a bad configuration');
}

describe('ingest configuration', () => {
  it('has a default for everything but the signing secret', () => {
    const env = readIngestEnv(base);
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      instances: [{ name: 'default', secrets: [TEST_SIGNING_SECRET] }],
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_NAME: 'clerk-events',
      BODY_LIMIT_BYTES: 262_144,
      ADMIN_USERNAME: 'admin',
      ADMIN_ALLOWED_HOSTS: [],
      LOG_LEVEL: 'info',
    });
    expect(env.ADMIN_PASSWORD).toBeUndefined();
  });

  it('names every bad variable in one ConfigError, and never echoes a secret', () => {
    const badSecret = 'whsec_ok1234567890abcdefghijk== whsec_!!leaked-signing-secret!!';
    const badPassword = 'hunter2-changeme-hunter2';
    const badRedis = 'redis://:r3dis-pw@[bad';
    const error = configError({
      CLERK_WEBHOOK_SIGNING_SECRET: badSecret,
      ADMIN_PASSWORD: badPassword,
      REDIS_URL: badRedis,
      QUEUE_NAME: 'no spaces',
      PORT: 'http',
      JOB_BACKOFF_JITTER: '2',
      LOG_LEVEL: 'loud',
    });
    expect(error.message.split('\n')[0]).toBe('invalid ingest configuration:');
    expect(error.problems.map((p) => p.key)).toEqual([
      'PORT',
      'REDIS_URL',
      'QUEUE_NAME',
      'JOB_BACKOFF_JITTER',
      'ADMIN_PASSWORD',
      'LOG_LEVEL',
      'CLERK_WEBHOOK_SIGNING_SECRET',
    ]);
    for (const value of [
      badSecret,
      'leaked-signing-secret',
      'whsec_ok1234567890',
      badPassword,
      'hunter2',
      'r3dis-pw',
    ]) {
      expect(error.message).not.toContain(value);
    }
  });

  it('refuses a headers timeout longer than the request timeout, by name', () => {
    const error = configError({ ...base, HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' });
    expect(error.problems).toEqual([
      { key: 'HTTP_HEADERS_TIMEOUT_MS', problem: 'must not exceed HTTP_REQUEST_TIMEOUT_MS' },
    ]);
    expect(readIngestEnv({ ...base, HTTP_HEADERS_TIMEOUT_MS: '15000' }).HTTP_HEADERS_TIMEOUT_MS).toBe(15_000);
  });

  it('on a Redis Cluster, refuses a queue name without a hash tag, by name', () => {
    const cluster = { ...base, REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' };
    expect(configError(cluster).problems).toEqual([
      { key: 'QUEUE_NAME', problem: expect.stringContaining('must carry a Redis Cluster hash tag') },
    ]);
    expect(readIngestEnv({ ...cluster, QUEUE_NAME: '{clerk}-events' }).REDIS_CLUSTER_NODES).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ]);
  });

  it('lists every variable it reads, the queue and log pieces included, and no database variable', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      { ...base },
      {
        get(target, key) {
          if (typeof key !== 'string') return undefined;
          read.add(key);
          return target[key];
        },
      },
    );
    readIngestEnv(env);
    expect([...ingestEnvKeys].sort()).toEqual([...read].sort());
    expect(ingestEnvKeys).toEqual(
      expect.arrayContaining(['REDIS_URL', 'QUEUE_NAME', 'LOG_LEVEL', 'ADMIN_PASSWORD']),
    );
    const keys: readonly string[] = ingestEnvKeys;
    expect(keys.filter((k) => k.startsWith('DB_') || k === 'DATABASE_URL')).toEqual([]);
  });
});

describe('ingest configuration with several Clerk instances', () => {
  const PROD = TEST_SIGNING_SECRET;
  const DEV = OTHER_SIGNING_SECRET;
  const ROTATED = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
  const named = {
    CLERK_INSTANCES: 'prod:ins_2prod, dev:ins_2dev:clerk_dev',
    CLERK_WEBHOOK_SIGNING_SECRET_PROD: `${PROD} ${ROTATED}`,
    CLERK_WEBHOOK_SIGNING_SECRET_DEV: DEV,
  };

  it('reads each named instance its own suffixed secrets, rotation included, in CLERK_INSTANCES order', () => {
    expect(readIngestEnv(named).instances).toEqual([
      { name: 'prod', secrets: [PROD, ROTATED] },
      { name: 'dev', secrets: [DEV] },
    ]);
  });

  it('reads the instances it was given and every suffixed secret, and nothing of the allowlist', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      { ...named },
      {
        get(target, key) {
          if (typeof key !== 'string') return undefined;
          read.add(key);
          return target[key];
        },
      },
    );
    readIngestEnv(env);
    expect([...read].filter((k) => !ingestEnvKeys.includes(k)).sort()).toEqual([
      'CLERK_WEBHOOK_SIGNING_SECRET_DEV',
      'CLERK_WEBHOOK_SIGNING_SECRET_PROD',
    ]);
    expect(ingestEnvKeys).toEqual(expect.arrayContaining(['CLERK_INSTANCES', 'CLERK_INSTANCE_ID']));
    expect(read.has('CLERK_INSTANCE_ALLOWLIST')).toBe(false);
  });

  it('accepts CLERK_INSTANCE_ID in the single-instance setup, and keeps the instance named default', () => {
    const env = readIngestEnv({ ...base, CLERK_INSTANCE_ID: 'ins_2single' });
    expect(env.instances).toEqual([{ name: 'default', secrets: [TEST_SIGNING_SECRET] }]);
  });

  it("names a missing instance's variable and the instance it is for", () => {
    const { CLERK_WEBHOOK_SIGNING_SECRET_DEV: _, ...withoutDev } = named;
    expect(configError(withoutDev).problems).toEqual([
      { key: 'CLERK_WEBHOOK_SIGNING_SECRET_DEV', problem: 'is required for instance dev' },
    ]);
  });

  it('refuses the unsuffixed secret next to CLERK_INSTANCES: which instance would it be for?', () => {
    const error = configError({ ...named, CLERK_WEBHOOK_SIGNING_SECRET: ROTATED });
    expect(error.problems).toEqual([
      {
        key: 'CLERK_WEBHOOK_SIGNING_SECRET',
        problem: expect.stringContaining('CLERK_WEBHOOK_SIGNING_SECRET_PROD'),
      },
    ]);
    expect(error.message).not.toContain(ROTATED.slice('whsec_'.length));
  });

  it('refuses one secret under two instances, naming both variables and never the secret', () => {
    const error = configError({ ...named, CLERK_WEBHOOK_SIGNING_SECRET_DEV: `${DEV},${ROTATED}` });
    expect(error.problems).toEqual([
      {
        key: 'CLERK_WEBHOOK_SIGNING_SECRET_DEV',
        problem: 'holds a secret that CLERK_WEBHOOK_SIGNING_SECRET_PROD holds too: each instance has its own',
      },
    ]);
    for (const secret of [PROD, DEV, ROTATED]) {
      expect(error.message).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('lists bad settings, bad instances and bad secrets together, never echoing a secret', () => {
    const leaked = 'whsec_!!leaked-dev-secret!!';
    const error = configError({
      ...named,
      PORT: 'http',
      CLERK_WEBHOOK_SIGNING_SECRET_DEV: leaked,
      CLERK_WEBHOOK_SIGNING_SECRET_PROD: undefined,
    });
    expect(error.problems.map((p) => p.key)).toEqual([
      'PORT',
      'CLERK_WEBHOOK_SIGNING_SECRET_PROD',
      'CLERK_WEBHOOK_SIGNING_SECRET_DEV',
    ]);
    expect(error.message).not.toContain('leaked-dev-secret');
    const badList = configError({ ...named, PORT: 'http', CLERK_INSTANCES: 'Prod:ins_2prod' });
    expect(badList.problems.map((p) => p.key)).toEqual(['PORT', 'CLERK_INSTANCES']);
  });

  it('refuses CLERK_INSTANCE_ID next to CLERK_INSTANCES, by name', () => {
    expect(configError({ ...named, CLERK_INSTANCE_ID: 'ins_2prod' }).problems).toEqual([
      { key: 'CLERK_INSTANCE_ID', problem: expect.stringContaining('single-instance setup') },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { emptyAsUnset, envFlag, envInt } from './env-fields.js';
import { parseEnv } from './parse-env.js';

const schema = z.object({
  PORT: envInt(3000),
  WORKERS: envInt(4, 1),
  VERBOSE: envFlag(false),
  TOKEN: z.string({ error: 'is required' }).min(20, 'is too short'),
  NAME: emptyAsUnset(z.string().default('app')),
});

function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    parseEnv(schema, env, 'demo');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseEnv accepted a bad configuration');
}

describe('parseEnv', () => {
  it('returns the parsed values with their defaults', () => {
    expect(parseEnv(schema, { TOKEN: 'x'.repeat(20), VERBOSE: 'true', NAME: '' }, 'demo')).toEqual({
      PORT: 3000,
      WORKERS: 4,
      VERBOSE: true,
      TOKEN: 'x'.repeat(20),
      NAME: 'app',
    });
  });

  it('ignores variables the schema does not read', () => {
    expect(parseEnv(schema, { TOKEN: 'x'.repeat(20), HOME: '/root' }, 'demo')).not.toHaveProperty('HOME');
  });

  it('throws one ConfigError naming every bad variable, in a message headed by the process', () => {
    const error = failure({ PORT: 'eighty', WORKERS: '0', VERBOSE: 'yes' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.processName).toBe('demo');
    expect(error.problems.map((p) => p.key)).toEqual(['PORT', 'WORKERS', 'VERBOSE', 'TOKEN']);
    expect(error.problems.find((p) => p.key === 'TOKEN')?.problem).toBe('is required');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid demo configuration:');
    expect(lines.slice(1)).toEqual(error.problems.map((p) => `  ${p.key}: ${p.problem}`));
  });

  it('never puts a value in the message or the problems', () => {
    const secret = 'tok_short_s3cr3t';
    const error = failure({ TOKEN: secret, PORT: '99999999999.5', VERBOSE: 'maybe-later' });
    for (const value of [secret, '99999999999.5', 'maybe-later']) {
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error.problems)).not.toContain(value);
    }
    expect(error.message).toContain('TOKEN: is too short');
  });
});

describe('ConfigError', () => {
  it('lists each problem on its own line, and a problem without a key as it is', () => {
    const error = new ConfigError('worker', [
      { key: 'DB_POOL_SIZE', problem: 'must be a positive integer' },
      { key: '', problem: 'set DATABASE_URL or PGLITE_DIR' },
    ]);
    expect(error.message).toBe(
      'invalid worker configuration:\n  DB_POOL_SIZE: must be a positive integer\n  set DATABASE_URL or PGLITE_DIR',
    );
    expect(error.problems).toHaveLength(2);
  });
});

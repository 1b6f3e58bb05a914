import { ConfigError } from '@clerk-sync/config';
import { describe, expect, it } from 'vitest';
import { readClerkSessionEnv } from './clerk-session.js';

describe('the configuration of backfill and reconcile', () => {
  it('splits into the worker settings and the Clerk API settings', () => {
    const { env, clerk } = readClerkSessionEnv(
      {
        CLERK_SECRET_KEY: 'sk_test_x',
        CLERK_API_RATE: 'development',
        DB_SCHEMA: 'sync',
        USER_DELETION: 'hard',
      },
      'clerk-sync backfill',
    );
    expect(env.db.schema).toBe('sync');
    expect(env.privacy.userDeletion).toBe('hard');
    expect(env).not.toHaveProperty('CLERK_SECRET_KEY');
    expect(clerk).toEqual({
      CLERK_SECRET_KEY: 'sk_test_x',
      CLERK_API_URL: 'https://api.clerk.com',
      CLERK_API_RATE: 100,
      CLERK_API_RATE_SHARE: 0.9,
      CLERK_API_MAX_TRIES: 6,
      BACKFILL_PAGE_SIZE: 500,
    });
  });

  it('names bad worker and Clerk variables in one error headed by the command, without the secret key', () => {
    let error: unknown;
    try {
      readClerkSessionEnv(
        { CLERK_SECRET_KEY: 'sk_live_d0-not-print-me', CLERK_API_RATE: 'toString', DB_SCHEMA: 'Nope' },
        'clerk-sync reconcile',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems } = error as ConfigError;
    expect(message.split('\n')[0]).toBe('invalid clerk-sync reconcile configuration:');
    expect(problems.map((p) => p.key)).toEqual(['DB_SCHEMA', 'CLERK_API_RATE']);
    expect(message).not.toContain('d0-not-print-me');
  });

  it("reads the reconcile's safety settings, with their defaults", () => {
    const defaults = readClerkSessionEnv({ CLERK_SECRET_KEY: 'sk_test_x' }, 'clerk-sync reconcile');
    expect(defaults.reconcile).toEqual({ RECONCILE_MAX_GONE_SHARE: 0.05, RECONCILE_SAMPLE_SIZE: 20 });
    const set = readClerkSessionEnv(
      { CLERK_SECRET_KEY: 'sk_test_x', RECONCILE_MAX_GONE_SHARE: '0.2', RECONCILE_SAMPLE_SIZE: '5' },
      'clerk-sync reconcile',
    );
    expect(set.reconcile).toEqual({ RECONCILE_MAX_GONE_SHARE: 0.2, RECONCILE_SAMPLE_SIZE: 5 });
    expect(() =>
      readClerkSessionEnv(
        { CLERK_SECRET_KEY: 'sk_test_x', RECONCILE_MAX_GONE_SHARE: '1.5' },
        'clerk-sync reconcile',
      ),
    ).toThrowError(/RECONCILE_MAX_GONE_SHARE/);
  });

  it('requires the secret key', () => {
    expect(() => readClerkSessionEnv({}, 'clerk-sync backfill')).toThrowError(
      /CLERK_SECRET_KEY: is required/,
    );
  });
});

import { ConfigError, parseEnv } from '@clerk-sync/config';
import { describe, expect, it } from 'vitest';
import { retentionEnv, retentionPolicyFromEnv } from './retention-env.js';

const policy = (env: Record<string, string>) => retentionPolicyFromEnv(parseEnv(retentionEnv, env, 'test'));

describe('retention settings', () => {
  it('keeps the inbox 30 days, messages and finished sessions 90, the audit log a year, the change feed 7 days by default', () => {
    expect(policy({})).toEqual({
      webhookEventsDays: 30,
      messagesDays: 90,
      sessionsDays: 90,
      auditLogDays: 365,
      changesDays: 7,
    });
    expect(parseEnv(retentionEnv, {}, 'test').RETENTION_SWEEP_MS).toBe(600_000);
  });

  it('reads 0 as keep forever', () => {
    expect(
      policy({
        WEBHOOK_EVENTS_RETENTION_DAYS: '0',
        AUDIT_LOG_RETENTION_DAYS: '0',
        CHANGES_RETENTION_DAYS: '0',
      }),
    ).toMatchObject({
      webhookEventsDays: undefined,
      auditLogDays: undefined,
      changesDays: undefined,
    });
  });

  it('refuses an inbox shorter than Svix retries and names every bad variable at once', () => {
    let error: unknown;
    try {
      policy({
        WEBHOOK_EVENTS_RETENTION_DAYS: '1',
        AUDIT_LOG_RETENTION_DAYS: '7',
        MESSAGES_RETENTION_DAYS: 'x',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual([
      'AUDIT_LOG_RETENTION_DAYS',
      'MESSAGES_RETENTION_DAYS',
      'WEBHOOK_EVENTS_RETENTION_DAYS',
    ]);
    expect((error as Error).message).toContain(
      'WEBHOOK_EVENTS_RETENTION_DAYS: must be 0 (keep forever) or at least 2 days',
    );
  });
});

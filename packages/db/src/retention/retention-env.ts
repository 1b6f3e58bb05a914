import { envInt } from '@clerk-sync/config';
import { z } from 'zod';
import type { RetentionPolicy } from './prune-expired.js';

/** Days, where 0 means "keep forever"; otherwise at least `min` days. */
function days(fallback: number, min: number) {
  return envInt(fallback, 0).refine((value) => value === 0 || value >= min, {
    message: `must be 0 (keep forever) or at least ${min} days`,
  });
}

/**
 * How long the worker keeps rows that only grow: read with {@link retentionPolicyFromEnv}. The inbox
 * must outlive Svix's retries (about 27 hours) and, to keep a replayed dead letter from being applied
 * twice, `DEAD_LETTER_TTL_MS` too; hence at least two days.
 */
export const retentionEnv = z.object({
  /** How often the worker prunes. */
  RETENTION_SWEEP_MS: envInt(10 * 60 * 1000, 1000),
  WEBHOOK_EVENTS_RETENTION_DAYS: days(30, 2),
  MESSAGES_RETENTION_DAYS: days(90, 1),
  SESSIONS_RETENTION_DAYS: days(90, 1),
  /** Pruned only by a role that may delete from `audit_log`: the owner, not the documented writer. */
  AUDIT_LOG_RETENTION_DAYS: days(365, 30),
  /** The change feed: how long a subscriber may be away and still resume from its last `seq`. */
  CHANGES_RETENTION_DAYS: days(7, 1),
});

export type RetentionEnv = z.output<typeof retentionEnv>;

/** The {@link RetentionPolicy} for {@link pruneExpired}, from the parsed variables (0 → keep forever). */
export function retentionPolicyFromEnv(env: RetentionEnv): RetentionPolicy {
  const keep = (value: number) => (value === 0 ? undefined : value);
  return {
    webhookEventsDays: keep(env.WEBHOOK_EVENTS_RETENTION_DAYS),
    messagesDays: keep(env.MESSAGES_RETENTION_DAYS),
    sessionsDays: keep(env.SESSIONS_RETENTION_DAYS),
    auditLogDays: keep(env.AUDIT_LOG_RETENTION_DAYS),
    changesDays: keep(env.CHANGES_RETENTION_DAYS),
  };
}

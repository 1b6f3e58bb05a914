import { type EventQueues, purgeSubjects } from '@clerk-sync/queue';
import type { BatchReport } from './batcher.js';
import type { Logger } from './logger.js';

export interface ErasurePurger {
  /** After a batch committed: purges the users it erased from Redis, in the background. */
  onBatch(report: BatchReport): void;
  /** Waits for purges under way, so the queues can close. */
  drain(): Promise<void>;
}

/**
 * Right to erasure in Redis: when a batch's `user.deleted` erased a user in Postgres (its commit is
 * done by the time a report exists), their dead letters and failed or retrying jobs lose their
 * personal data too (`purgeSubjects`). A purge that fails is logged; the letters still expire after
 * `DEAD_LETTER_TTL_MS`.
 */
export function erasurePurger({ queue, deadLetters }: EventQueues, logger: Logger): ErasurePurger {
  const running = new Set<Promise<void>>();
  return {
    onBatch(report) {
      const subjects = report.results.flatMap((r) => (r.erased ? [r.erased] : []));
      if (subjects.length === 0) return;
      const purge = purgeSubjects(queue, deadLetters, subjects).then(
        (purged) => logger.info({ users: subjects.length, ...purged }, 'erased users purged from Redis'),
        (e: unknown) =>
          logger.error(
            { users: subjects.length, err: (e as Error).message },
            'purging erased users from Redis failed',
          ),
      );
      running.add(purge);
      void purge.finally(() => running.delete(purge));
    },
    async drain() {
      await Promise.all(running);
    },
  };
}

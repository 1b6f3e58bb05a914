import type { ErasedSubject } from '@clerk-sync/events';
import { type EventQueues, purgeSubjects } from '@clerk-sync/queue';
import type { BatchReport } from './batcher.js';
import type { Logger } from './logger.js';

export interface ErasurePurger {
  /** After a batch committed: purges the users it erased from Redis, in the background. */
  onBatch(report: BatchReport): void;
  /**
   * Purges again every user the registry erased within the dead letters' TTL (`readRecent`), now and
   * then every `intervalMs`: a purge missed at delete time (a crash after the commit, Redis away, a job
   * that failed after the purge, a deletion found by reconcile) happens at the next sweep. Returns the
   * function that stops it.
   */
  sweep(readRecent: () => Promise<ErasedSubject[]>, intervalMs: number): () => Promise<void>;
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
  /** `again`: a re-purge of users purged before, logged only when it found something. */
  const purge = (subjects: readonly ErasedSubject[], again: boolean) => {
    const done = purgeSubjects(queue, deadLetters, subjects).then(
      (purged) => {
        if (!again) logger.info({ users: subjects.length, ...purged }, 'erased users purged from Redis');
        else if (purged.jobs + purged.deadLetters > 0)
          logger.info({ users: subjects.length, ...purged }, 'erased users purged again from Redis');
      },
      (e: unknown) =>
        logger.error(
          { users: subjects.length, err: (e as Error).message },
          'purging erased users from Redis failed',
        ),
    );
    running.add(done);
    void done.finally(() => running.delete(done));
    return done;
  };
  return {
    onBatch(report) {
      const subjects = report.results.flatMap((r) => (r.erased ? [r.erased] : []));
      if (subjects.length > 0) void purge(subjects, false);
    },
    sweep(readRecent, intervalMs) {
      let current: Promise<void> | undefined;
      const once = () => {
        current ??= readRecent()
          .then((subjects) => (subjects.length > 0 ? purge(subjects, true) : undefined))
          .catch((e: unknown) =>
            logger.error({ err: (e as Error).message }, 'reading recent erasures failed'),
          )
          .finally(() => {
            current = undefined;
          });
      };
      once();
      const timer = setInterval(once, intervalMs);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await current;
      };
    },
    async drain() {
      await Promise.all(running);
    },
  };
}

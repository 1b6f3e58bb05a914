import { type DeadLetters, type Job, redactFailureReason, UnrecoverableError } from '@clerk-sync/queue';
import type { Logger } from './logger.js';
import type { WorkerMetrics } from './metrics.js';

export interface FailurePolicyDeps {
  deadLetters: Pick<DeadLetters, 'bury'>;
  metrics: Pick<WorkerMetrics, 'onRetry' | 'onDeadLetter'>;
  logger: Logger;
}

/**
 * What happens when an attempt fails, as a listener for the Worker's `failed` event. The error's type
 * decides: `UnrecoverableError` (an invalid event) and a last attempt go to the dead letters; anything
 * else is counted and left to BullMQ's backoff. The reason is redacted before it is logged, and a move
 * that fails is left to the dead-letter sweep.
 */
export function failurePolicy(deps: FailurePolicyDeps): (job: Job | undefined, error: Error) => void {
  const { deadLetters, metrics, logger } = deps;
  return (job, error) => {
    if (!job) return;
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    const line = {
      svixId: job.id,
      eventType: job.name,
      attemptsMade: job.attemptsMade,
      reason: redactFailureReason(error.message),
    };
    if (!final) {
      metrics.onRetry();
      logger.warn(line, 'event failed, will retry');
      if (job.attemptsMade === 1) {
        job.updateData({ ...job.data, firstFailedAt: Date.now() }).catch(() => {});
      }
      return;
    }
    logger.error(line, 'event failed for good, moving to dead letters');
    deadLetters.bury(job).then(
      () => metrics.onDeadLetter(),
      (e: unknown) =>
        logger.error(
          { svixId: job.id, err: (e as Error).message },
          'dead-letter move failed; the sweep retries',
        ),
    );
  };
}

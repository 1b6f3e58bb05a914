import { type Job, type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import { deadLetterQueueName } from '../queues.js';

/** Dead letters have no worker, so they stay in the states a job is added in. */
export const LETTER_STATES = ['waiting', 'delayed', 'prioritized'] as const;

/** What a dead letter holds: the original job payload and everything needed to understand its failure. */
export interface DeadLetter {
  /** The job's data exactly as the ingest enqueued it (a `JobPayload`, unless it was malformed). */
  payload: unknown;
  failedReason: string;
  stacktrace: string[];
  attemptsMade: number;
  firstFailedAt: number;
  lastFailedAt: number;
  /** The options the job ran with, so a replay gets the same retry budget afresh. */
  opts: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete'>;
}

export interface DeadLetterSummary {
  svixId: string;
  type: string;
  reason: string;
  attemptsMade: number;
  firstFailedAt: string;
  lastFailedAt: string;
}

/** The main queue and its dead-letter queue (`<QUEUE_NAME>-dead`), on one connection. */
export class DeadLetters {
  readonly queue: Queue;
  readonly dead: Queue;

  constructor(queueName: string, connection: QueueOptions['connection']) {
    this.queue = new Queue(queueName, { connection });
    this.dead = new Queue(deadLetterQueueName(queueName), { connection });
  }

  /**
   * Moves a job that failed for good to the dead-letter queue, then removes it from the main queue's
   * failed set. Adding first and removing second means a crash in between leaves the job in both
   * places, never in neither; the dead letter's job id (= svix-id) makes a second move a no-op.
   */
  async bury(job: Job): Promise<void> {
    const now = Date.now();
    const data = job.data as { firstFailedAt?: unknown } | undefined;
    const letter: DeadLetter = {
      payload: stripFailureMarks(job.data),
      failedReason: job.failedReason || 'unknown failure',
      stacktrace: (job.stacktrace ?? []).slice(-3),
      attemptsMade: job.attemptsMade,
      firstFailedAt: typeof data?.firstFailedAt === 'number' ? data.firstFailedAt : (job.finishedOn ?? now),
      lastFailedAt: job.finishedOn ?? now,
      opts: {
        attempts: job.opts.attempts,
        backoff: job.opts.backoff,
        removeOnComplete: job.opts.removeOnComplete,
      },
    };
    await this.dead.add(job.name, letter, { jobId: job.id, removeOnComplete: true, removeOnFail: false });
    await job.remove();
  }

  /**
   * Moves every job in the main queue's failed set to the dead-letter queue. The worker runs it at start
   * and periodically: it catches jobs that failed where no worker saw it (stalled too often) or whose
   * move was interrupted.
   */
  async sweep(): Promise<number> {
    let moved = 0;
    for (;;) {
      const failed = await this.queue.getFailed(0, 199);
      if (failed.length === 0) return moved;
      for (const job of failed) {
        await this.bury(job);
        moved += 1;
      }
    }
  }

  /** A page of dead letters, oldest first. */
  async list(offset = 0, limit = 50): Promise<{ total: number; letters: DeadLetterSummary[] }> {
    const [total, jobs] = await Promise.all([
      this.dead.getJobCountByTypes(...LETTER_STATES),
      this.dead.getJobs([...LETTER_STATES], offset, offset + limit - 1, true),
    ]);
    return { total, letters: jobs.filter(isLetter).map(summarise) };
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.dead.close()]);
  }
}

/** Marks the worker adds to job data while retrying; they are bookkeeping, not part of the payload. */
function stripFailureMarks(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('firstFailedAt' in data)) return data;
  const { firstFailedAt: _, ...rest } = data as Record<string, unknown>;
  return rest;
}

export function isLetter(job: Job | undefined): job is Job<DeadLetter> {
  return job !== undefined && typeof job.data === 'object' && job.data !== null && 'payload' in job.data;
}

export function summarise(job: Job<DeadLetter>): DeadLetterSummary {
  return {
    svixId: job.id ?? '',
    type: job.name,
    reason: job.data.failedReason,
    attemptsMade: job.data.attemptsMade,
    firstFailedAt: new Date(job.data.firstFailedAt).toISOString(),
    lastFailedAt: new Date(job.data.lastFailedAt).toISOString(),
  };
}

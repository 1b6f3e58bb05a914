import { randomUUID } from 'node:crypto';
import { withoutUnsafeMetadata } from '@clerk-sync/events';
import { type Job, type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import { deadLetterQueueName } from '../queue-names.js';

/** How long a move may hold its lock; a crashed holder blocks that one event for at most this long. */
const MOVE_LOCK_TTL_MS = 30_000;
/** How long a move waits for another move of the same event before giving up (the sweep retries). */
const MOVE_LOCK_WAIT_MS = 10_000;
/** Takes the lock if free; the holder's token lets only the holder drop it. */
const TAKE_LOCK = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0`;
/** Drops the lock only if it is still ours, so a holder that outlived it cannot free someone else's. */
const DROP_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;
/** Clients the lock scripts are registered on (the queue's connection may be shared). */
const lockScriptsDefined = new WeakSet<object>();

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

/** What `DeadLetters.requeue` did with one letter. */
export type RequeueResult = 'replayed' | 'alreadyQueued';

/**
 * The dead-letter queue (`<QUEUE_NAME>-dead`) of a main queue: moving failed jobs into it, expiring
 * and listing letters, and moving them back. It owns only the dead-letter queue; the main queue
 * belongs to whoever opened it (see `openQueues`), and is used here only to move jobs in and out.
 */
export class DeadLetters {
  /** The dead-letter queue itself, for Bull Board and tests. */
  readonly dead: Queue;
  readonly #queue: Queue;

  /**
   * @param queue The main queue whose failed jobs become letters.
   * @param connection The connection for the dead-letter queue; usually the main queue's.
   */
  constructor(queue: Queue, connection: QueueOptions['connection']) {
    this.#queue = queue;
    this.dead = new Queue(deadLetterQueueName(queue.name), { connection });
  }

  /**
   * Moves a job that failed for good to the dead-letter queue, then removes it from the main queue's
   * failed set. Adding first and removing second means a crash in between leaves the job in both
   * places, never in neither; the dead letter's job id (= svix-id) makes a second move a no-op.
   * Runs under the event's move lock, and only while the job is still failed: a replay that already
   * re-enqueued the event must not have its fresh job taken away.
   */
  async bury(job: Job): Promise<void> {
    const id = job.id ?? '';
    await this.withMoveLock(id, async () => {
      if ((await this.#queue.getJobState(id)) !== 'failed') return;
      const current = (await this.#queue.getJob(id)) ?? job;
      await this.dead.add(current.name, toLetter(current), {
        jobId: id,
        removeOnComplete: true,
        removeOnFail: false,
      });
      await current.remove();
    });
  }

  /**
   * Moves one letter back to the main queue with a fresh retry budget, under its event's lock
   * (`replayDeadLetters` calls it for each selected letter). A letter whose svix-id is already in the
   * main queue is removed rather than enqueued twice. With `dryRun`, it only says what it would do.
   * Returns `undefined` when the letter is gone (a concurrent replay took it).
   */
  async requeue(
    svixId: string,
    { dryRun = false }: { dryRun?: boolean } = {},
  ): Promise<{ result: RequeueResult; summary: DeadLetterSummary } | undefined> {
    return this.withMoveLock(svixId, async () => {
      // Re-read under the lock: a concurrent replay may have taken this letter already.
      const letter = await this.dead.getJob(svixId);
      if (!isLetter(letter)) return undefined;
      const summary = summarise(letter);
      const state = await this.#queue.getJobState(svixId);
      // A failed job with this id is the same event on its way to the dead letters (a bury that has
      // not finished or was interrupted): the letter stands for it, so it is replayed, not dropped.
      if (state !== 'unknown' && state !== 'failed') {
        if (!dryRun) await letter.remove();
        return { result: 'alreadyQueued', summary };
      }
      if (dryRun) return { result: 'replayed', summary };
      if (state === 'failed') await this.#queue.remove(svixId);
      await this.#queue.add(letter.name, letter.data.payload, {
        ...letter.data.opts,
        jobId: svixId,
        removeOnFail: false,
      });
      await letter.remove();
      return { result: 'replayed', summary };
    });
  }

  /**
   * Runs `fn` holding a per-event lock shared by `bury`, `requeue` and `purgeSubjects`, so that they
   * never interleave on one svix-id (a replay seeing a job that a bury is about to remove would
   * otherwise drop the letter, and the event with it; a purge must not redact a letter while it is
   * being copied). The lock expires on its own if its holder dies, after far longer than a move takes.
   */
  async withMoveLock<T>(svixId: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.#queue.getBackend().client;
    if (!lockScriptsDefined.has(client)) {
      client.defineCommand('clerkSyncTakeMoveLock', { numberOfKeys: 1, lua: TAKE_LOCK });
      client.defineCommand('clerkSyncDropMoveLock', { numberOfKeys: 1, lua: DROP_LOCK });
      lockScriptsDefined.add(client);
    }
    const key = this.#queue.toKey(`dl-lock:${svixId}`);
    const token = randomUUID();
    const deadline = Date.now() + MOVE_LOCK_WAIT_MS;
    while ((await client.runCommand('clerkSyncTakeMoveLock', [key, token, MOVE_LOCK_TTL_MS])) !== 1) {
      if (Date.now() > deadline) throw new Error(`dead-letter move lock for ${svixId} is busy`);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
    let result: T;
    try {
      result = await fn();
    } finally {
      await client.runCommand('clerkSyncDropMoveLock', [key, token]);
    }
    return result;
  }

  /**
   * Moves every job in the main queue's failed set to the dead-letter queue. The worker runs it at start
   * and periodically: it catches jobs that failed where no worker saw it (stalled too often) or whose
   * move was interrupted.
   */
  async sweep(): Promise<number> {
    let moved = 0;
    for (;;) {
      const failed = await this.#queue.getFailed(0, 199);
      if (failed.length === 0) return moved;
      for (const job of failed) {
        await this.bury(job);
        moved += 1;
      }
    }
  }

  /**
   * Deletes dead letters buried more than `maxAgeMs` ago, a thousand per Redis call, and returns how
   * many went. A letter holds a whole event (personal data included), and Clerk stopped caring about
   * the delivery long before; keeping it for ever would keep a deleted user's data in Redis.
   */
  async expire(maxAgeMs: number): Promise<number> {
    let removed = 0;
    for (const state of ['wait', 'delayed', 'prioritized'] as const) {
      for (;;) {
        const ids = await this.dead.clean(maxAgeMs, 1000, state);
        removed += ids.length;
        if (ids.length < 1000) break;
      }
    }
    return removed;
  }

  /** How many dead letters are held now. */
  held(): Promise<number> {
    return this.dead.getJobCountByTypes(...LETTER_STATES);
  }

  /** A page of dead letters, oldest first. */
  async list(offset = 0, limit = 50): Promise<{ total: number; letters: DeadLetterSummary[] }> {
    const [total, jobs] = await Promise.all([
      this.dead.getJobCountByTypes(...LETTER_STATES),
      this.dead.getJobs([...LETTER_STATES], offset, offset + limit - 1, true),
    ]);
    return { total, letters: jobs.filter(isLetter).map(summarise) };
  }

  /** Closes the dead-letter queue; the main queue is its owner's to close. */
  async close(): Promise<void> {
    await this.dead.close();
  }
}

function toLetter(job: Job): DeadLetter {
  const now = Date.now();
  const data = job.data as { firstFailedAt?: unknown } | undefined;
  return {
    payload: withoutUnsafeMetadata(stripFailureMarks(job.data)),
    failedReason: redactFailureReason(job.failedReason || 'unknown failure'),
    stacktrace: (job.stacktrace ?? []).slice(-3).map(redactFailureReason),
    attemptsMade: job.attemptsMade,
    firstFailedAt: typeof data?.firstFailedAt === 'number' ? data.firstFailedAt : (job.finishedOn ?? now),
    lastFailedAt: job.finishedOn ?? now,
    opts: {
      attempts: job.opts.attempts,
      backoff: job.opts.backoff,
      removeOnComplete: job.opts.removeOnComplete,
    },
  };
}

/**
 * A failure reason without the values it may quote. Postgres puts the offending input in its
 * messages (`invalid input syntax for type timestamp: "…"`, `Key (email)=(…)`), and a letter outlives
 * the user's deletion until it expires; names of types, columns and constraints stay, for diagnosis.
 */
export function redactFailureReason(reason: string): string {
  return reason
    .replace(/: "(?:[^"\\]|\\.)*"/g, ': "…"')
    .replace(/: '(?:[^'\\]|\\.)*'/g, ": '…'")
    .replace(/\)=\((?:[^()]|\([^()]*\))*\)/g, ')=(…)')
    .slice(0, 2000);
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

import type { Job } from 'bullmq';
import {
  type DeadLetter,
  type DeadLetterSummary,
  type DeadLetters,
  isLetter,
  LETTER_STATES,
} from './dead-letters.js';

/** Which dead letters to replay. Criteria combine (all must match); `all` alone selects everything. */
export interface ReplaySelector {
  all?: boolean;
  svixIds?: readonly string[];
  type?: string;
  /** Letters whose last failure is at or after this time. */
  since?: Date;
}

export interface ReplayReport {
  dryRun: boolean;
  /** Letters moved back to the main queue (or that would be, with `dryRun`). */
  replayed: DeadLetterSummary[];
  /** Letters whose svix-id is already in the main queue: removed from the dead letters, not enqueued twice. */
  alreadyQueued: DeadLetterSummary[];
}

export class ReplaySelectorError extends Error {
  override readonly name = 'ReplaySelectorError';
}

/**
 * Moves selected dead letters back into the main queue with a fresh retry budget. Safe to run twice, or
 * concurrently with another replay or with the worker burying jobs: each letter moves under its
 * event's lock (see `DeadLetters.requeue`), the job id is the svix-id, so a letter is enqueued at
 * most once, and the inbox makes the apply itself idempotent.
 *
 * @example await replayDeadLetters(deadLetters, { type: 'user.updated' }, { dryRun: true })
 */
export async function replayDeadLetters(
  deadLetters: DeadLetters,
  selector: ReplaySelector,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<ReplayReport> {
  const hasCriteria = Boolean(selector.svixIds?.length || selector.type || selector.since);
  if (!selector.all && !hasCriteria) {
    throw new ReplaySelectorError('say which letters to replay: all, svix ids, a type, or a since time');
  }
  const report: ReplayReport = { dryRun, replayed: [], alreadyQueued: [] };
  for (const job of await select(deadLetters, selector)) {
    const moved = await deadLetters.requeue(job.id ?? '', { dryRun });
    if (moved) report[moved.result].push(moved.summary);
  }
  return report;
}

async function select(deadLetters: DeadLetters, selector: ReplaySelector): Promise<Job<DeadLetter>[]> {
  const candidates: Job<DeadLetter>[] = [];
  if (selector.svixIds?.length) {
    for (const id of selector.svixIds) {
      const job = await deadLetters.dead.getJob(id);
      if (isLetter(job)) candidates.push(job);
    }
  } else {
    for (let start = 0; ; start += 500) {
      const page = await deadLetters.dead.getJobs([...LETTER_STATES], start, start + 499, true);
      candidates.push(...page.filter(isLetter));
      if (page.length < 500) break;
    }
  }
  return candidates.filter(
    (job) =>
      (!selector.type || job.name === selector.type) &&
      (!selector.since || job.data.lastFailedAt >= selector.since.getTime()),
  );
}

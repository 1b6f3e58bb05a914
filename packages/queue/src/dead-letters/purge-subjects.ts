import type { ErasedSubject } from '@clerk-sync/events';
import type { Job, Queue } from 'bullmq';
import { redactSubjects } from '../redact-subjects.js';
import { type DeadLetter, type DeadLetters, isLetter, LETTER_STATES } from './dead-letters.js';

/** Replaces a job's data only if it is still exactly what was read, so a concurrent change is never lost. */
const SWAP_DATA = `if redis.call('HGET', KEYS[1], 'data') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'data', ARGV[2])
  return 1
end
return 0`;
const swapDefined = new WeakSet<object>();
const PAGE = 500;

export interface PurgeReport {
  /** Failed or delayed jobs of the main queue whose payload was redacted. */
  jobs: number;
  /** Dead letters whose payload was redacted. */
  deadLetters: number;
}

/**
 * Removes erased users' personal data from Redis: the payloads of failed and delayed (retrying) jobs
 * of the main queue, and of dead letters, that concern them (see `redactSubjects`). A job or letter
 * stays where it is, with ids, types and times, so replay and retries still work; they then write what
 * the erasure registry in Postgres lets through. Waiting jobs are left to be applied (and scrubbed once
 * committed); completed ones are scrubbed already.
 *
 * Each job is changed under its event's move lock, the one `bury` and `requeue` take, so a letter is
 * never redacted half-way through a move, and with a compare-and-set on its data, so a retry's own
 * bookkeeping or a scrub in between is never overwritten. The main queue is done first: a job a bury
 * moves meanwhile is then found among the letters.
 *
 * @example await purgeSubjects(queues.queue, queues.deadLetters, [{ userId, addressHashes }])
 */
export async function purgeSubjects(
  queue: Queue,
  deadLetters: DeadLetters,
  subjects: readonly ErasedSubject[],
): Promise<PurgeReport> {
  const report: PurgeReport = { jobs: 0, deadLetters: 0 };
  if (subjects.length === 0) return report;
  const redactJob = (data: unknown) => redactSubjects(data, subjects);
  const redactLetter = (data: unknown) => {
    if (!isLetterData(data)) return { value: data, changed: false };
    const { value, changed } = redactSubjects(data.payload, subjects);
    return { value: { ...data, payload: value }, changed };
  };

  for (const state of ['failed', 'delayed'] as const) {
    for await (const job of pages(queue, [state])) {
      if (!redactJob(job.data).changed) continue;
      const id = job.id ?? '';
      if (await deadLetters.withMoveLock(id, () => swap(queue, id, redactJob))) report.jobs += 1;
    }
  }
  for await (const letter of pages(deadLetters.dead, [...LETTER_STATES])) {
    if (!isLetter(letter) || !redactLetter(letter.data).changed) continue;
    const id = letter.id ?? '';
    if (await deadLetters.withMoveLock(id, () => swap(deadLetters.dead, id, redactLetter))) {
      report.deadLetters += 1;
    }
  }
  return report;
}

/** Every job in `states`, a page at a time; redaction moves no job, so the pages stay aligned. */
async function* pages(queue: Queue, states: Array<'failed' | 'delayed' | (typeof LETTER_STATES)[number]>) {
  for (let start = 0; ; start += PAGE) {
    const page: Job[] = await queue.getJobs(states, start, start + PAGE - 1, true);
    yield* page;
    if (page.length < PAGE) return;
  }
}

/** Re-reads the job's data, redacts it and writes it back if nobody changed it meanwhile (three tries). */
async function swap(
  queue: Queue,
  id: string,
  redact: (data: unknown) => { value: unknown; changed: boolean },
): Promise<boolean> {
  const client = await queue.getBackend().client;
  if (!swapDefined.has(client)) {
    client.defineCommand('clerkSyncSwapData', { numberOfKeys: 1, lua: SWAP_DATA });
    swapDefined.add(client);
  }
  const key = queue.toKey(id);
  for (let attempt = 0; attempt < 3; attempt++) {
    const raw = await client.hget(key, 'data');
    if (raw === null) return false;
    const { value, changed } = redact(JSON.parse(raw));
    if (!changed) return false;
    if ((await client.runCommand('clerkSyncSwapData', [key, raw, JSON.stringify(value)])) === 1) return true;
  }
  return false;
}

function isLetterData(data: unknown): data is DeadLetter {
  return typeof data === 'object' && data !== null && 'payload' in data;
}

import { randomUUID } from 'node:crypto';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventQueues, openQueues } from '../event-queues.js';
import type { DeadLetter } from './dead-letters.js';
import { replayDeadLetters } from './replay.js';

/** The test Redis; `REDIS_URL` points the tests at another one. */
const connection = { url: process.env.REDIS_URL || 'redis://127.0.0.1:6379' };
let open: EventQueues | undefined;
afterEach(async () => {
  if (open) {
    await open.queue.obliterate({ force: true });
    await open.deadLetters.dead.obliterate({ force: true });
    await open.close();
  }
  open = undefined;
});

/** `count` jobs that failed for good in the main queue, as a worker leaves them before burying. */
async function failedJobs(count: number): Promise<EventQueues & { jobs: Job[] }> {
  const queueName = `race-${randomUUID().slice(0, 8)}`;
  const queues = openQueues(queueName, connection);
  open = queues;
  const { queue } = queues;
  const ids = Array.from({ length: count }, (_, i) => `msg_${i}`);
  await queue.addBulk(
    ids.map((id) => ({ name: 'user.updated', data: { svixId: id }, opts: { jobId: id, attempts: 1 } })),
  );
  const worker = new Worker(
    queueName,
    async () => {
      throw new UnrecoverableError('poison');
    },
    { connection, concurrency: 20 },
  );
  try {
    for (let i = 0; (await queue.getFailedCount()) < count; i++) {
      if (i > 500) throw new Error('jobs did not fail');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await worker.close();
  }
  return { ...queues, jobs: await queue.getFailed(0, count - 1) };
}

/** Where an event is after the dust settles: alive in the main queue, a dead letter, both, or lost. */
async function whereIs({ queue, deadLetters }: EventQueues, id: string): Promise<string> {
  const main = await queue.getJobState(id);
  const letter = await deadLetters.dead.getJob(id);
  const alive = main === 'waiting';
  if (alive && letter) return 'both';
  if (alive) return 'queued';
  if (letter) return 'dead';
  return `lost (main: ${main})`;
}

describe('burying and replaying the same event at once', () => {
  it('never loses an event whose bury was interrupted while a replay runs', async () => {
    const queues = await failedJobs(40);
    const { deadLetters, jobs } = queues;
    // The crash window of a bury: the letter is written, the failed job not yet removed.
    for (const job of jobs) {
      const letter: DeadLetter = {
        payload: job.data,
        failedReason: 'poison',
        stacktrace: [],
        attemptsMade: 1,
        firstFailedAt: 1,
        lastFailedAt: 1,
        opts: { attempts: 1 },
      };
      await deadLetters.dead.add(job.name, letter, { jobId: job.id });
    }

    await Promise.all(
      jobs.flatMap((job) => [
        deadLetters.bury(job),
        replayDeadLetters(deadLetters, { svixIds: [job.id ?? ''] }),
      ]),
    );

    const places = await Promise.all(jobs.map((job) => whereIs(queues, job.id ?? '')));
    // Whichever runs first, the replay wins: it re-enqueues the event, and the bury then finds no failed job.
    expect(places).toEqual(jobs.map(() => 'queued'));
  });

  it('leaves each event in exactly one place when a bury races a replay of everything', async () => {
    const queues = await failedJobs(40);
    const { queue, deadLetters, jobs } = queues;

    await Promise.all([
      ...jobs.map((job) => deadLetters.bury(job)),
      replayDeadLetters(deadLetters, { all: true }),
      replayDeadLetters(deadLetters, { all: true }),
    ]);

    const places = await Promise.all(jobs.map((job) => whereIs(queues, job.id ?? '')));
    for (const place of places) expect(['queued', 'dead']).toContain(place);
    expect(await queue.getFailedCount()).toBe(0);
  });

  it('does not bury a job that a replay has already re-enqueued', async () => {
    const queues = await failedJobs(1);
    const { deadLetters, jobs } = queues;
    const [job] = jobs as [Job];
    await deadLetters.bury(job);
    expect(await whereIs(queues, job.id ?? '')).toBe('dead');
    await replayDeadLetters(deadLetters, { all: true });

    // A stale failure report for the old attempt arrives after the replay.
    await deadLetters.bury(job);

    expect(await whereIs(queues, job.id ?? '')).toBe('queued');
  });
});

import { randomUUID } from 'node:crypto';
import { addressHash, type ErasedSubject, prepareEvent } from '@clerk-sync/events';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EventQueues, openQueues } from '../event-queues.js';
import { parseJobPayload } from '../job-payload.js';
import { purgeSubjects } from './purge-subjects.js';
import { replayDeadLetters } from './replay.js';

/** The test Redis; `REDIS_URL` points the tests at another one. */
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const connection = { url: redisUrl };
const redis = new Redis(redisUrl);
let open: EventQueues | undefined;
afterEach(async () => {
  if (open) {
    await open.queue.obliterate({ force: true });
    await open.deadLetters.dead.obliterate({ force: true });
    await open.close();
  }
  open = undefined;
});
afterAll(() => {
  redis.disconnect();
});

const zelda: ErasedSubject = {
  userId: 'user_zelda',
  addressHashes: ['zelda@example.test', 'zelda.second@example.test'].map((a) => addressHash(a) ?? ''),
};
/** What must not be anywhere in Redis once Zelda is purged. */
const hers = ['Zelda', 'zelda@example.test', 'ZELDA@example.test', '203.0.113.9', 'your code 123456'];

/** A job payload; the request behind it came from `ip`. */
const payload = (svixId: string, type: string, data: Record<string, unknown>, ip = '198.51.100.7') => ({
  v: 1 as const,
  svixId,
  receivedAt: 1_760_000_000_000,
  event: {
    type,
    object: 'event',
    timestamp: 1_760_000_000,
    event_attributes: { http_request: { client_ip: ip, user_agent: 'Firefox' } },
    data,
  },
});
const userUpdated = (svixId: string, id: string, first: string, email: string) =>
  payload(
    svixId,
    'user.updated',
    {
      object: 'user',
      id,
      first_name: first,
      last_name: `${first}son`,
      primary_email_address_id: 'idn_1',
      email_addresses: [{ id: 'idn_1', email_address: email }],
      phone_numbers: [],
      created_at: 1_760_000_000_000,
      updated_at: 1_760_000_000_500,
    },
    id === 'user_zelda' ? '203.0.113.9' : undefined,
  );
const emailCreated = (svixId: string, userId: string | null, to: string, code = '123456') =>
  payload(svixId, 'email.created', {
    id: `ema_${svixId}`,
    user_id: userId,
    to_email_address: to,
    subject: `your code ${code}`,
    body: `<p>your code ${code}</p>`,
    slug: 'verification_code',
  });
const invitation = (svixId: string, to: string) =>
  payload(svixId, 'organizationInvitation.created', {
    id: `orginv_${svixId}`,
    organization_id: 'org_1',
    email_address: to,
    status: 'pending',
    updated_at: 1_760_000_000_000,
  });

/** Every value Redis holds under the queue's and its dead letters' keys, as one text. */
async function everything(queues: EventQueues): Promise<string> {
  const keys = [
    ...(await redis.keys(`${queues.queue.toKey('')}*`)),
    ...(await redis.keys(`${queues.deadLetters.dead.toKey('')}*`)),
  ];
  const parts: string[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
  }
  return parts.join('\n');
}

/** Adds jobs and lets a worker fail them for good, so they sit in the failed set. */
async function failJobs(queues: EventQueues, jobs: Array<ReturnType<typeof payload>>): Promise<void> {
  await queues.queue.addBulk(
    jobs.map((data) => ({ name: data.event.type, data, opts: { jobId: data.svixId, attempts: 1 } })),
  );
  const worker = new Worker(
    queues.queue.name,
    async () => {
      throw new UnrecoverableError('poison');
    },
    { connection },
  );
  try {
    for (let i = 0; (await queues.queue.getFailedCount()) < jobs.length; i++) {
      if (i > 500) throw new Error('jobs did not fail');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await worker.close();
  }
}

describe('purgeSubjects', () => {
  it('redacts a deleted user’s dead letters and failed and delayed jobs, and leaves other users’ alone', async () => {
    const queues = openQueues(`purge-${randomUUID().slice(0, 8)}`, connection);
    open = queues;
    const { queue, deadLetters } = queues;
    const others = {
      dead: userUpdated('msg_other_dead', 'user_link', 'Link', 'link@example.test'),
      failed: emailCreated('msg_other_failed', 'user_link', 'link@example.test', '654321'),
      delayed: invitation('msg_other_delayed', 'link@example.test'),
    };
    await failJobs(queues, [
      userUpdated('msg_dead', 'user_zelda', 'Zelda', 'zelda@example.test'),
      others.dead,
      emailCreated('msg_failed', null, ' Zelda.Second@Example.test'),
      others.failed,
    ]);
    for (const id of ['msg_dead', 'msg_other_dead']) {
      const job = await queue.getJob(id);
      if (job) await deadLetters.bury(job);
    }
    await queue.add('organizationInvitation.created', invitation('msg_delayed', 'ZELDA@example.test'), {
      jobId: 'msg_delayed',
      delay: 60_000,
    });
    await queue.add('organizationInvitation.created', others.delayed, {
      jobId: 'msg_other_delayed',
      delay: 60_000,
    });
    const before = await everything(queues);
    for (const value of hers) expect(before).toContain(value);

    const report = await purgeSubjects(queue, deadLetters, [zelda]);

    expect(report).toEqual({ jobs: 2, deadLetters: 1 });
    const after = await everything(queues);
    for (const value of hers) expect(after).not.toContain(value);
    // Still where they were, and still valid events that a retry or replay can apply.
    expect(await queue.getJobState('msg_failed')).toBe('failed');
    expect(await queue.getJobState('msg_delayed')).toBe('delayed');
    const letter = await deadLetters.dead.getJob('msg_dead');
    expect(letter?.data.payload.event.data).toMatchObject({
      id: 'user_zelda',
      first_name: null,
      email_addresses: null,
    });
    for (const data of [
      letter?.data.payload,
      (await queue.getJob('msg_failed'))?.data,
      (await queue.getJob('msg_delayed'))?.data,
    ]) {
      expect(prepareEvent(parseJobPayload(data)).handled).not.toBeNull();
    }
    // Other users' jobs are exactly as they were.
    expect((await deadLetters.dead.getJob('msg_other_dead'))?.data.payload).toEqual(others.dead);
    expect((await queue.getJob('msg_other_failed'))?.data).toEqual(others.failed);
    expect((await queue.getJob('msg_other_delayed'))?.data).toEqual(others.delayed);
    expect(after).toContain('link@example.test');
    // Twice is a no-op.
    expect(await purgeSubjects(queue, deadLetters, [zelda])).toEqual({ jobs: 0, deadLetters: 0 });
  });

  it('never loses a letter when a replay runs at the same time', async () => {
    const queues = openQueues(`purge-race-${randomUUID().slice(0, 8)}`, connection);
    open = queues;
    const { queue, deadLetters } = queues;
    const ids = Array.from({ length: 30 }, (_, i) => `msg_race_${i}`);
    await failJobs(
      queues,
      ids.map((id) => emailCreated(id, 'user_zelda', 'zelda@example.test')),
    );
    await deadLetters.sweep();
    expect(await deadLetters.held()).toBe(ids.length);

    const [purged, replayed] = await Promise.all([
      purgeSubjects(queue, deadLetters, [zelda]),
      replayDeadLetters(deadLetters, { all: true }),
    ]);

    // Each event is in exactly one place: replayed to the main queue, or still a (redacted) letter.
    for (const id of ids) {
      const queued = (await queue.getJobState(id)) === 'waiting';
      const letter = await deadLetters.dead.getJob(id);
      expect(queued !== (letter !== undefined), id).toBe(true);
      if (letter) expect(JSON.stringify(letter.data)).not.toContain('zelda@example.test');
    }
    expect(replayed.replayed.length + (await deadLetters.held())).toBe(ids.length);
    expect(purged.deadLetters).toBeLessThanOrEqual(ids.length);
  });
});

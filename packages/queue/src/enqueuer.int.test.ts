import { randomUUID } from 'node:crypto';
import type { RawEvent } from '@clerk-sync/events';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from './connect-redis.js';
import { type EnqueueResult, Enqueuer, type EnqueuerOptions } from './enqueuer.js';
import { type EventQueues, openQueues } from './event-queues.js';
import type { JobPayload } from './job-payload.js';

/** The test Redis; `REDIS_URL` points the tests at another one. */
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const options: EnqueuerOptions = {
  timeoutMs: 5000,
  attempts: 3,
  backoffMs: 1000,
  jitter: 0.5,
  dedupeWindowSeconds: 86_400,
  dedupeMaxJobs: 200_000,
};

interface Replica {
  redis: RedisConnection;
  queues: EventQueues;
  enqueuer: Enqueuer;
}

const opened: Replica[] = [];
afterEach(async () => {
  const first = opened[0];
  if (first) await first.queues.queue.obliterate({ force: true });
  for (const { redis, queues } of opened.splice(0)) {
    await queues.close();
    redis.disconnect();
  }
});

/** One ingest replica's producer side: its own connection, queue handle and enqueuer. */
function replica(queueName: string): Replica {
  const redis = connectRedis({ url: redisUrl, clusterNodes: [], role: 'producer' });
  const queues = openQueues(queueName, redis);
  const enqueuer = new Enqueuer(queues.queue, redis, options);
  const opening = { redis, queues, enqueuer };
  opened.push(opening);
  return opening;
}

const payload = (svixId: string): JobPayload => ({
  v: 1,
  svixId,
  receivedAt: 1_750_000_000_000,
  event: { type: 'user.updated', data: { id: 'user_1' } } as RawEvent,
});

describe('Enqueuer on two replicas sharing one Redis', () => {
  it('answers exactly one enqueued per svix-id when both receive it at once, and stores one job', async () => {
    const name = `race-${randomUUID().slice(0, 8)}`;
    const [a, b] = [replica(name), replica(name)];
    if (!a || !b) throw new Error('two replicas');
    const ids = Array.from({ length: 100 }, (_, i) => `msg_race_${i}`);
    const answers = await Promise.all(
      ids.map(async (id) => Promise.all([a.enqueuer.enqueue(payload(id)), b.enqueuer.enqueue(payload(id))])),
    );
    const enqueued = (pair: EnqueueResult[]) => pair.filter((answer) => answer === 'enqueued').length;
    expect(answers.map(enqueued)).toEqual(ids.map(() => 1));
    expect(await a.queues.queue.getJobCountByTypes('waiting')).toBe(ids.length);
  });

  it('reports a redelivery after the claim was given up as duplicate while the job exists', async () => {
    const name = `again-${randomUUID().slice(0, 8)}`;
    const [a, b] = [replica(name), replica(name)];
    if (!a || !b) throw new Error('two replicas');
    expect(await a.enqueuer.enqueue(payload('msg_once'))).toBe('enqueued');
    await a.redis.del(a.queues.queue.toKey('enqueue-claim:msg_once'));
    expect(await b.enqueuer.enqueue(payload('msg_once'))).toBe('duplicate');
    expect(await a.queues.queue.getJobCountByTypes('waiting')).toBe(1);
  });
});

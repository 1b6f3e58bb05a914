import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventQueues, openQueues } from './event-queues.js';
import { deadLetterQueueName } from './queue-names.js';

/** The test Redis; `REDIS_URL` points the tests at another one. */
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const opened: { queues: EventQueues; redis: Redis }[] = [];
afterEach(async () => {
  for (const { queues, redis } of opened.splice(0)) {
    const cleanup = openQueues(queues.queue.name, redis);
    await cleanup.queue.obliterate({ force: true });
    await cleanup.deadLetters.dead.obliterate({ force: true });
    await cleanup.close();
    redis.disconnect();
  }
});

function open(): EventQueues {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = openQueues(`open-${randomUUID().slice(0, 8)}`, redis);
  opened.push({ queues, redis });
  return queues;
}

describe('openQueues', () => {
  it('opens the main queue and its dead letters under the dead-letter name, on one connection', async () => {
    const { queue, deadLetters } = open();
    expect(deadLetters.dead.name).toBe(deadLetterQueueName(queue.name));
    expect(await deadLetters.dead.getBackend().client).toBe(await queue.getBackend().client);
  });

  it('closing the dead letters leaves the main queue open: it is not theirs', async () => {
    const { queue, deadLetters } = open();
    await deadLetters.close();
    expect(deadLetters.dead.closing).toBeDefined();
    expect(queue.closing).toBeUndefined();
    await queue.add('user.updated', { svixId: 'msg_still_open' }, { jobId: 'msg_still_open' });
    expect(await queue.getJobState('msg_still_open')).toBe('waiting');
  });

  it('close closes both queues and leaves a Redis client it was given open', async () => {
    const queues = open();
    expect(queues.queue.closing).toBeUndefined();
    await queues.close();
    expect(queues.queue.closing).toBeDefined();
    expect(queues.deadLetters.dead.closing).toBeDefined();
    const redis = opened[0]?.redis;
    expect(await redis?.ping()).toBe('PONG');
  });
});

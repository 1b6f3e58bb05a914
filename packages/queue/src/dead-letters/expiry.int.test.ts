import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventQueues, openQueues } from '../event-queues.js';
import type { DeadLetter } from './dead-letters.js';

let open: EventQueues | undefined;
afterEach(async () => {
  if (open) {
    await open.queue.obliterate({ force: true });
    await open.deadLetters.dead.obliterate({ force: true });
    await open.close();
  }
  open = undefined;
});

function letter(svixId: string): DeadLetter {
  return {
    payload: { svixId },
    failedReason: 'poison',
    stacktrace: [],
    attemptsMade: 1,
    firstFailedAt: 1,
    lastFailedAt: 1,
    opts: { attempts: 1 },
  };
}

describe('dead-letter expiry', () => {
  it('deletes letters older than the time to live, keeps younger ones, and counts both', async () => {
    open = openQueues(`expiry-${randomUUID().slice(0, 8)}`, {
      url: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    });
    const { deadLetters } = open;
    for (let i = 0; i < 1005; i++) {
      await deadLetters.dead.add('user.updated', letter(`msg_old_${i}`), { jobId: `msg_old_${i}` });
    }
    await deadLetters.dead.add('user.updated', letter('msg_old_delayed'), {
      jobId: 'msg_old_delayed',
      delay: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await deadLetters.dead.add('user.updated', letter('msg_young'), { jobId: 'msg_young' });
    expect(await deadLetters.held()).toBe(1007);

    expect(await deadLetters.expire(300)).toBe(1006);

    expect(await deadLetters.held()).toBe(1);
    expect((await deadLetters.dead.getJob('msg_young'))?.data).toEqual(letter('msg_young'));
    expect(await deadLetters.dead.getJob('msg_old_0')).toBeUndefined();
    expect(await deadLetters.expire(300)).toBe(0);
  });
});

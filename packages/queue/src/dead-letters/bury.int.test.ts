import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventQueues, openQueues } from '../event-queues.js';
import { type DeadLetters, redactFailureReason } from './dead-letters.js';

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

describe('what a dead letter keeps', () => {
  it('drops unsafe_metadata from the payload and the quoted values from the reason and stack', async () => {
    const queueName = `bury-${randomUUID().slice(0, 8)}`;
    open = openQueues(queueName, connection);
    const { queue, deadLetters } = open;
    // A job enqueued before the ingest stripped unsafe_metadata, failing with a Postgres-like message.
    const data = {
      v: 1,
      svixId: 'msg_1',
      receivedAt: 1,
      event: { type: 'user.updated', data: { id: 'user_1', unsafe_metadata: { diary: 'secret-diary' } } },
    };
    await queue.add('user.updated', data, { jobId: 'msg_1', attempts: 1 });
    const worker = new Worker(
      queueName,
      async () => {
        throw new UnrecoverableError(
          'invalid input syntax for type timestamp with time zone: "alice@example.com"',
        );
      },
      { connection },
    );
    const failed = await new Promise<Parameters<DeadLetters['bury']>[0]>((resolve) =>
      worker.on('failed', (job) => job && resolve(job)),
    );
    await worker.close();

    await deadLetters.bury(failed);

    const letter = await deadLetters.dead.getJob('msg_1');
    const stored = JSON.stringify(letter?.data);
    expect(stored).not.toContain('secret-diary');
    expect(stored).not.toContain('unsafe_metadata');
    expect(stored).not.toContain('alice@example.com');
    expect(letter?.data.payload).toEqual({
      ...data,
      event: { type: 'user.updated', data: { id: 'user_1' } },
    });
    expect(letter?.data.failedReason).toBe('invalid input syntax for type timestamp with time zone: "…"');
    expect(await queue.getJob('msg_1')).toBeUndefined();
  });
});

describe('redactFailureReason', () => {
  it('hides quoted input and key values but keeps the names needed to diagnose', () => {
    expect(redactFailureReason('invalid input syntax for type json: "{bad"')).toBe(
      'invalid input syntax for type json: "…"',
    );
    expect(
      redactFailureReason(
        'duplicate key value violates unique constraint "users_pkey": Key (email)=(a@b.c) exists',
      ),
    ).toBe('duplicate key value violates unique constraint "users_pkey": Key (email)=(…) exists');
    expect(redactFailureReason("value for domain: 'x@y.z' violates")).toBe("value for domain: '…' violates");
    expect(redactFailureReason('user.updated: version 4102444800000 is more than 1 day ahead')).toBe(
      'user.updated: version 4102444800000 is more than 1 day ahead',
    );
    expect(redactFailureReason('x'.repeat(5000))).toHaveLength(2000);
  });
});

import { EventEmitter } from 'node:events';
import type { RawEvent } from '@clerk-sync/events';
import type { JobsOptions } from 'bullmq';
import { ReplyError } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ENQUEUE_CLAIM_MS,
  EnqueueRejectedError,
  Enqueuer,
  type EnqueuerOptions,
  EnqueueUnavailableError,
  isRedisFailure,
  type JobQueue,
  type ProducerConnection,
} from './enqueuer.js';
import type { JobPayload } from './job-payload.js';

interface AddCall {
  name: string;
  data: JobPayload;
  opts: JobsOptions;
}

type Answer = 'store' | 'hang' | { reject: unknown } | { throw: unknown };

/**
 * A BullMQ queue reduced to what the enqueuer calls. Like BullMQ, `add` ignores a job whose id
 * already exists. `answer` decides how `add` behaves (store the job, never answer as a hung Redis, or
 * fail), and `answers` overrides it for one svix-id.
 */
class FakeQueue implements JobQueue {
  readonly jobs = new Map<string, AddCall>();
  readonly adds: AddCall[] = [];
  answer: Answer = 'store';
  readonly answers = new Map<string, Answer>();

  toKey(type: string): string {
    return `bull:fake:${type}`;
  }

  add(name: string, data: JobPayload, opts: JobsOptions): Promise<unknown> {
    const call = { name, data, opts };
    this.adds.push(call);
    const answer = this.answers.get(data.svixId) ?? this.answer;
    if (answer === 'hang') return new Promise(() => {});
    if (typeof answer === 'object' && 'throw' in answer) throw answer.throw;
    if (typeof answer === 'object') return Promise.reject(answer.reject);
    const id = opts.jobId ?? '';
    if (!this.jobs.has(id)) this.jobs.set(id, call);
    return Promise.resolve({ id });
  }
}

/**
 * The producer connection: `EXISTS` answers from the fake queue's jobs as they are when the command is
 * issued, as Redis does for a command pipelined ahead of the add; `SET NX` claims a key in `claims`,
 * which two connections (two ingest replicas) may share, as they share one Redis.
 */
class FakeRedis extends EventEmitter implements ProducerConnection {
  status = 'ready';
  readonly existsKeys: string[] = [];
  readonly setCalls: [string, string, string, number, string][] = [];

  constructor(
    private readonly queue: FakeQueue,
    readonly claims = new Set<string>(),
  ) {
    super();
  }

  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null> {
    this.setCalls.push([key, value, px, ms, nx]);
    if (this.claims.has(key)) return Promise.resolve(null);
    this.claims.add(key);
    return Promise.resolve('OK');
  }

  del(key: string): Promise<number> {
    return Promise.resolve(this.claims.delete(key) ? 1 : 0);
  }

  exists(key: string): Promise<number> {
    this.existsKeys.push(key);
    const prefix = this.queue.toKey('');
    return Promise.resolve(this.queue.jobs.has(key.slice(prefix.length)) ? 1 : 0);
  }

  connect(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}

const options: EnqueuerOptions = {
  timeoutMs: 2000,
  attempts: 15,
  backoffMs: 1000,
  jitter: 0.5,
  dedupeWindowSeconds: 86_400,
  dedupeMaxJobs: 200_000,
};

function setup(overrides: Partial<EnqueuerOptions> = {}) {
  const queue = new FakeQueue();
  const redis = new FakeRedis(queue);
  const enqueuer = new Enqueuer(queue, redis, { ...options, ...overrides });
  return { queue, redis, enqueuer };
}

const payload = (svixId: string, type = 'user.created'): JobPayload => ({
  v: 1,
  svixId,
  receivedAt: 1_750_000_000_000,
  event: { type, data: { id: 'user_1' } } as RawEvent,
});

/** Settles what is already queued as microtasks, without moving any clock. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('Enqueuer', () => {
  it('adds the job under the svix-id, named after the event type, with explicit retries and retention', async () => {
    const { queue, enqueuer } = setup();
    const job = payload('msg_one', 'organization.updated');
    expect(await enqueuer.enqueue(job)).toBe('enqueued');
    expect(queue.adds).toEqual([
      {
        name: 'organization.updated',
        data: job,
        opts: {
          jobId: 'msg_one',
          attempts: 15,
          backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
          removeOnComplete: { age: 86_400, count: 200_000 },
          removeOnFail: false,
        },
      },
    ]);
  });

  it('asks Redis whether the job key exists, in the same pipeline as the add', async () => {
    const { queue, redis, enqueuer } = setup();
    await enqueuer.enqueue(payload('msg_key'));
    expect(redis.existsKeys).toEqual([queue.toKey('msg_key')]);
  });

  it('claims the svix-id with SET NX and a TTL, under the queue prefix, in the same pipeline', async () => {
    const { queue, redis, enqueuer } = setup();
    await enqueuer.enqueue(payload('msg_claim'));
    expect(redis.setCalls).toEqual([
      [queue.toKey('enqueue-claim:msg_claim'), '1', 'PX', ENQUEUE_CLAIM_MS, 'NX'],
    ]);
  });

  it('answers exactly one enqueued when two replicas race on one svix-id, and both adds are sent', async () => {
    const queue = new FakeQueue();
    const shared = new Set<string>();
    const replicas = [1, 2].map(() => new Enqueuer(queue, new FakeRedis(queue, shared), options));
    const results = await Promise.all(replicas.map((replica) => replica.enqueue(payload('msg_two'))));
    expect(results.sort()).toEqual(['duplicate', 'enqueued']);
    expect(queue.adds).toHaveLength(2);
    expect(queue.jobs.size).toBe(1);
  });

  it('gives the claim back when the attempt fails, and keeps a claim it did not win', async () => {
    const queue = new FakeQueue();
    const shared = new Set<string>();
    const [first, second] = [1, 2].map(() => new Enqueuer(queue, new FakeRedis(queue, shared), options));
    if (!first || !second) throw new Error('two replicas');
    queue.answers.set('msg_fail', { reject: new ReplyError('READONLY') });
    await expect(first.enqueue(payload('msg_fail'))).rejects.toBeInstanceOf(EnqueueUnavailableError);
    await settle();
    expect(shared.size).toBe(0);
    expect(await second.enqueue(payload('msg_kept'))).toBe('enqueued');
    queue.answers.set('msg_kept', { reject: new ReplyError('READONLY') });
    await expect(first.enqueue(payload('msg_kept'))).rejects.toBeInstanceOf(EnqueueUnavailableError);
    await settle();
    expect([...shared]).toEqual([queue.toKey('enqueue-claim:msg_kept')]);
  });

  it('reports duplicate when the job exists though its claim has expired', async () => {
    const { queue, redis, enqueuer } = setup();
    await enqueuer.enqueue(payload('msg_old'));
    redis.claims.clear();
    expect(await enqueuer.enqueue(payload('msg_old'))).toBe('duplicate');
    expect(queue.jobs.size).toBe(1);
  });

  it('reports a svix-id Redis already holds as duplicate, and the queue keeps one job', async () => {
    const { queue, enqueuer } = setup();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await enqueuer.enqueue(payload('msg_again')));
    expect(results).toEqual(['enqueued', 'duplicate', 'duplicate']);
    expect(queue.jobs.size).toBe(1);
  });

  it('sends one add for a svix-id enqueued three times at once; the others report duplicate', async () => {
    const { queue, enqueuer } = setup();
    const results = await Promise.all([1, 2, 3].map(() => enqueuer.enqueue(payload('msg_race'))));
    expect(results).toEqual(['enqueued', 'duplicate', 'duplicate']);
    expect(queue.adds).toHaveLength(1);
  });

  it('enqueues different svix-ids independently', async () => {
    const { queue, enqueuer } = setup();
    const results = await Promise.all(['msg_a', 'msg_b'].map((id) => enqueuer.enqueue(payload(id))));
    expect(results).toEqual(['enqueued', 'enqueued']);
    expect([...queue.jobs.keys()]).toEqual(['msg_a', 'msg_b']);
  });

  it('sends nothing while Redis is connecting, then sends once it is ready, with one listener for all', async () => {
    const { queue, redis, enqueuer } = setup();
    redis.status = 'connecting';
    const first = enqueuer.enqueue(payload('msg_wait_1'));
    const second = enqueuer.enqueue(payload('msg_wait_2'));
    await settle();
    expect(queue.adds).toEqual([]);
    expect(redis.listenerCount('ready')).toBe(1);
    redis.connect();
    expect(await Promise.all([first, second])).toEqual(['enqueued', 'enqueued']);
    expect(queue.adds.map((a) => a.data.svixId)).toEqual(['msg_wait_1', 'msg_wait_2']);
  });

  it('fails with EnqueueUnavailableError when Redis does not confirm within the timeout', async () => {
    vi.useFakeTimers();
    const { queue, enqueuer } = setup({ timeoutMs: 2000 });
    queue.answer = 'hang';
    let settled = false;
    const outcome = enqueuer.enqueue(payload('msg_slow')).catch((error: unknown) => error);
    void outcome.finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(EnqueueUnavailableError);
    expect((error as Error).message).toBe('Redis did not confirm within 2000 ms');
  });

  it('times out the same way while Redis never becomes ready', async () => {
    vi.useFakeTimers();
    const { queue, redis, enqueuer } = setup({ timeoutMs: 500 });
    redis.status = 'reconnecting';
    const outcome = enqueuer.enqueue(payload('msg_down')).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);
    expect(await outcome).toBeInstanceOf(EnqueueUnavailableError);
    expect(queue.adds).toEqual([]);
  });

  it('sends a svix-id again after its attempt timed out, so a retry from Svix is not lost', async () => {
    vi.useFakeTimers();
    const { queue, enqueuer } = setup({ timeoutMs: 100 });
    queue.answer = 'hang';
    const first = enqueuer.enqueue(payload('msg_retry')).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    expect(await first).toBeInstanceOf(EnqueueUnavailableError);
    queue.answer = 'store';
    expect(await enqueuer.enqueue(payload('msg_retry'))).toBe('enqueued');
    expect(queue.adds).toHaveLength(2);
  });

  it.each([
    ['a closed connection', new Error('Connection is closed.')],
    ['a full Redis', new ReplyError('OOM command not allowed when used memory > maxmemory')],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { syscall: 'read' })],
  ])('turns %s into EnqueueUnavailableError (503, Svix retries)', async (_name, failure) => {
    const { queue, enqueuer } = setup();
    queue.answer = { reject: failure };
    const error = await enqueuer.enqueue(payload('msg_refused')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueUnavailableError);
    expect((error as Error).message).toBe(`Redis refused the job: ${failure.message}`);
  });

  it.each([
    ['a payload too deep to serialize', new RangeError('Maximum call stack size exceeded')],
    ['a payload with a BigInt', new TypeError('Do not know how to serialize a BigInt')],
  ])('turns %s into EnqueueRejectedError (422), naming only the error type', async (_name, failure) => {
    const { queue, enqueuer } = setup();
    queue.answer = { throw: failure };
    const error = await enqueuer.enqueue(payload('msg_bad')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueRejectedError);
    expect((error as Error).message).toBe(`the job could not be written (${failure.name})`);
    expect((error as Error).cause).toBe(failure);
  });

  it('drains: resolves once every accepted enqueue has an answer, failed ones included', async () => {
    const { queue, redis, enqueuer } = setup();
    redis.status = 'connecting';
    queue.answers.set('msg_d2', { reject: new Error('Connection is closed.') });
    const ok = enqueuer.enqueue(payload('msg_d1'));
    const failed = enqueuer.enqueue(payload('msg_d2')).catch((e: unknown) => e);
    let drained = false;
    const draining = enqueuer.drain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    redis.connect();
    await draining;
    expect(await ok).toBe('enqueued');
    expect(await failed).toBeInstanceOf(EnqueueUnavailableError);
  });
});

describe('isRedisFailure', () => {
  it.each([
    ['a closed connection', new Error('Connection is closed.')],
    [
      'a refused offline command',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['a socket error', Object.assign(new Error('read ECONNRESET'), { syscall: 'read' })],
    ['an error reply', new ReplyError('OOM command not allowed when used memory > maxmemory')],
  ])('is true for %s', (_name, error) => {
    expect(isRedisFailure(error)).toBe(true);
  });

  it.each([
    ['a stack overflow from JSON.stringify', new RangeError('Maximum call stack size exceeded')],
    ['a BigInt in the payload', new TypeError('Do not know how to serialize a BigInt')],
    ['a thrown string', 'Connection is closed.'],
  ])('is false for %s', (_name, error) => {
    expect(isRedisFailure(error)).toBe(false);
  });
});

import type { JobsOptions } from 'bullmq';
import { jobOptions, type RetryPolicy } from './job-options.js';
import type { JobPayload } from './job-payload.js';

export type EnqueueResult = 'enqueued' | 'duplicate';

/** Redis did not confirm in time, or refused: the caller answers 503 so that Svix retries later. */
export class EnqueueUnavailableError extends Error {
  override readonly name = 'EnqueueUnavailableError';
}

/**
 * The job could not be written for a reason that is not Redis being away: its payload cannot be
 * serialized, or BullMQ refuses its options. Retrying the same delivery would fail the same way, so
 * the caller answers 4xx rather than 503.
 */
export class EnqueueRejectedError extends Error {
  override readonly name = 'EnqueueRejectedError';
}

export interface EnqueuerOptions extends RetryPolicy {
  /** A caller waits at most this long for Redis to confirm its job. */
  timeoutMs: number;
}

/** What the enqueuer needs of a BullMQ `Queue`: its key names and `add`. */
export interface JobQueue {
  toKey(type: string): string;
  add(name: string, data: JobPayload, opts: JobsOptions): Promise<unknown>;
}

/** What the enqueuer needs of the producer's ioredis connection (`connectRedis` with the `producer` role). */
export interface ProducerConnection {
  readonly status: string;
  exists(key: string): Promise<number>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  del(key: string): Promise<number>;
  once(event: 'ready', listener: () => void): unknown;
}

/**
 * Writes jobs to Redis with pipelining: concurrent requests' commands go out on one connection
 * without waiting for each other's replies, and ioredis coalesces the commands issued in the same
 * tick into one socket write (auto-pipelining on the producer connection). Measured here, this beats
 * `addBulk`, whose MULTI/EXEC transaction makes Redis do more work per job. Each caller's promise
 * resolves only after Redis acknowledged its own job.
 *
 * Duplicates: `jobId = svix-id` makes BullMQ ignore a job whose id exists, which is the real dedupe.
 * To report it, two commands go ahead of the add, in the same pipeline: `SET … NX PX` on a claim key
 * for the svix-id ({@link ENQUEUE_CLAIM_MS}) and `EXISTS` on the job's key. A delivery is reported as
 * enqueued only if it won the claim and no job existed; `SET NX` is atomic in Redis, so of two
 * deliveries of one id racing on two ingest replicas exactly one wins. A svix-id already being
 * enqueued by this process waits for that attempt; a failed attempt deletes the claim it won. Either way the add is always sent and awaited, so
 * `duplicate` is only answered once this request's own add was acknowledged: the job exists.
 */
export class Enqueuer {
  readonly #queue: JobQueue;
  readonly #redis: ProducerConnection;
  readonly #options: EnqueuerOptions;
  readonly #inFlight = new Map<string, Promise<EnqueueResult>>();

  constructor(queue: JobQueue, redis: ProducerConnection, options: EnqueuerOptions) {
    this.#queue = queue;
    this.#redis = redis;
    this.#options = options;
  }

  enqueue(payload: JobPayload): Promise<EnqueueResult> {
    const running = this.#inFlight.get(payload.svixId);
    if (running) return running.then(() => 'duplicate' as const);
    const claim: Claim = { won: false };
    const attempt = withTimeout(this.#send(payload, claim), this.#options.timeoutMs)
      .catch((error: unknown) => {
        if (claim.won) this.#release(payload.svixId);
        throw error;
      })
      .finally(() => this.#inFlight.delete(payload.svixId));
    this.#inFlight.set(payload.svixId, attempt);
    return attempt;
  }

  /** Resolves once every accepted enqueue has been answered by Redis (or failed). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /**
   * A failed attempt gives its claim back, so that Svix's retry of it is reported as enqueued. If Redis
   * is away the claim simply expires.
   */
  #release(svixId: string): void {
    this.#redis.del(claimKey(this.#queue, svixId)).catch(() => {});
  }

  async #send(payload: JobPayload, claim: Claim): Promise<EnqueueResult> {
    try {
      await ready(this.#redis);
      const claimed = this.#redis
        .set(claimKey(this.#queue, payload.svixId), '1', 'PX', ENQUEUE_CLAIM_MS, 'NX')
        .then((answer) => {
          claim.won = answer === 'OK';
          return answer;
        });
      const existed = this.#redis.exists(this.#queue.toKey(payload.svixId));
      const added = this.#queue.add(payload.event.type, payload, jobOptions(payload.svixId, this.#options));
      const [answer, exists] = await Promise.all([claimed, existed, added]);
      return answer === 'OK' && exists === 0 ? 'enqueued' : 'duplicate';
    } catch (error) {
      if (error instanceof EnqueueUnavailableError) throw error;
      if (isRedisFailure(error)) {
        throw new EnqueueUnavailableError(`Redis refused the job: ${(error as Error).message}`);
      }
      throw new EnqueueRejectedError(`the job could not be written (${(error as Error)?.name})`, {
        cause: error,
      });
    }
  }
}

/** Whether an attempt won the claim on its svix-id, known once Redis answered the `SET NX`. */
interface Claim {
  won: boolean;
}

/**
 * How long a delivery's claim on its svix-id lives. It only has to outlast the race between replicas
 * (the add lands within the enqueue timeout); after that the job key itself answers. A redelivery
 * within the window after the job was removed is reported as duplicate, and its add re-creates the
 * job as before: the label changes, never whether the job is written.
 */
export const ENQUEUE_CLAIM_MS = 60_000;

/** The claim key of a svix-id, under the queue's prefix (so a cluster hash tag in it applies too). */
function claimKey(queue: Pick<JobQueue, 'toKey'>, svixId: string): string {
  return queue.toKey(`enqueue-claim:${svixId}`);
}

/** ioredis's connection-state errors, which are plain `Error`s. */
const CONNECTION_MESSAGE =
  /connection|stream isn't writeable|timed out|timeout|cluster is|startup nodes|ECONN|ETIMEDOUT|EPIPE/i;

/**
 * True for errors that come from Redis or the connection to it: Redis's error replies and ioredis's
 * aborts (`RedisError` and subclasses), socket errors, and ioredis's connection-state messages. Anything
 * else was thrown before a command left, such as `JSON.stringify` overflowing on a payload.
 */
export function isRedisFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  for (let p = Object.getPrototypeOf(error); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === 'RedisError') return true;
  }
  if (typeof (error as NodeJS.ErrnoException).syscall === 'string') return true;
  return CONNECTION_MESSAGE.test(error.message);
}

/**
 * Bounds a Redis call. The call itself may still complete later; a job stored after its caller got a
 * 503 is harmless, because Svix redelivers with the same svix-id and the job id dedupes it.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EnqueueUnavailableError(`Redis did not confirm within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Commands are refused, not buffered, while connecting; so wait for the connection first. */
const readiness = new WeakMap<ProducerConnection, Promise<void>>();
function ready(redis: ProducerConnection): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  let waiting = readiness.get(redis);
  if (!waiting) {
    // One listener per connection, however many batches wait during an outage.
    waiting = new Promise<void>((resolve) => redis.once('ready', () => resolve())).finally(() =>
      readiness.delete(redis),
    );
    readiness.set(redis, waiting);
  }
  return waiting;
}

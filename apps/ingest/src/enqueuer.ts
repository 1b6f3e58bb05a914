import type { JobPayload } from '@clerk-sync/events';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobOptions, type RetryPolicy } from './job-options.js';

export type EnqueueResult = 'enqueued' | 'duplicate';

/** Redis did not confirm in time, or refused: the caller answers 503 so that Svix retries later. */
export class EnqueueUnavailableError extends Error {
  override readonly name = 'EnqueueUnavailableError';
}

export interface EnqueuerOptions extends RetryPolicy {
  /** Most jobs sent to Redis in one `addBulk`. */
  batchMax: number;
  /** Most `addBulk` calls outstanding at once. */
  maxInFlight: number;
  /** A caller waits at most this long for Redis to confirm its job. */
  timeoutMs: number;
}

interface Waiting {
  payload: JobPayload;
  resolve: (result: EnqueueResult) => void;
  reject: (error: Error) => void;
}

/**
 * Coalesces concurrent enqueues into `addBulk` calls: requests that arrive while others are being
 * written wait together for the next batch, so under load one Redis round trip carries many jobs,
 * and at low load a job is sent on the next tick. Each caller's promise resolves only after Redis
 * acknowledged the batch holding its job.
 *
 * Duplicates: `jobId = svix-id` makes BullMQ ignore a job whose id exists, which is the real dedupe.
 * To report it, the batch first asks Redis which ids exist; two deliveries of one id racing on two
 * ingest replicas may both be reported as enqueued, though only one job exists.
 */
export class Enqueuer {
  readonly #queue: Queue;
  readonly #redis: Redis;
  readonly #options: EnqueuerOptions;
  #pending: Waiting[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(queue: Queue, redis: Redis, options: EnqueuerOptions) {
    this.#queue = queue;
    this.#redis = redis;
    this.#options = options;
  }

  enqueue(payload: JobPayload): Promise<EnqueueResult> {
    const stored = new Promise<EnqueueResult>((resolve, reject) => {
      this.#pending.push({ payload, resolve, reject });
      this.#schedule();
    });
    return withTimeout(stored, this.#options.timeoutMs);
  }

  /** Resolves once every accepted enqueue has been answered by Redis (or failed). */
  async drain(): Promise<void> {
    if (this.#pending.length === 0 && this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#options.maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#pending.length > 0 && this.#inFlight < this.#options.maxInFlight) {
      const batch = this.#pending.splice(0, this.#options.batchMax);
      this.#inFlight += 1;
      this.#send(batch).finally(() => {
        this.#inFlight -= 1;
        if (this.#pending.length > 0) this.#schedule();
        else if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  async #send(batch: Waiting[]): Promise<void> {
    const first = new Map<string, Waiting>();
    const repeats: Waiting[] = [];
    for (const w of batch) {
      if (first.has(w.payload.svixId)) repeats.push(w);
      else first.set(w.payload.svixId, w);
    }
    const unique = [...first.values()];
    try {
      await withTimeout(ready(this.#redis), this.#options.timeoutMs);
      const checks = await withTimeout(
        this.#redis.pipeline(unique.map((w) => ['exists', this.#queue.toKey(w.payload.svixId)])).exec(),
        this.#options.timeoutMs,
      );
      // A pipeline resolves even when its commands fail (e.g. Redis is down): look at each reply.
      const failed = checks?.find(([error]) => error !== null)?.[0];
      if (!checks || failed) throw failed ?? new Error('no reply from Redis');
      const existed = unique.map((_, i) => checks[i]?.[1] === 1);
      const fresh = unique.filter((_, i) => !existed[i]);
      if (fresh.length > 0) {
        await withTimeout(
          this.#queue.addBulk(
            fresh.map((w) => ({
              name: w.payload.event.type,
              data: w.payload,
              opts: jobOptions(w.payload.svixId, this.#options),
            })),
          ),
          this.#options.timeoutMs,
        );
      }
      unique.forEach((w, i) => {
        w.resolve(existed[i] ? 'duplicate' : 'enqueued');
      });
      for (const w of repeats) w.resolve('duplicate');
    } catch (error) {
      const reason =
        error instanceof EnqueueUnavailableError
          ? error
          : new EnqueueUnavailableError(`Redis refused the batch: ${(error as Error).message}`);
      for (const w of batch) w.reject(reason);
    }
  }
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
const readiness = new WeakMap<Redis, Promise<void>>();
function ready(redis: Redis): Promise<void> {
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

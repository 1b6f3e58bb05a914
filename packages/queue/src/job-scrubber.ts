import type { Job, Queue } from 'bullmq';
import { connectRedis, type RedisConnection, type RedisTarget } from './connect-redis.js';
import type { JobPayload } from './job-payload.js';

/** Replaces a job's data only if the job still exists, so a removed job is not recreated as a bare hash. */
const SCRUB_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'data', ARGV[1])
  return 1
end
return 0`;

type ScrubbingRedis = RedisConnection & {
  clerkSyncScrub(key: string, data: string): Promise<number>;
};

/** What a completed job keeps: enough to browse in Bull Board, nothing personal. */
export interface ScrubbedPayload {
  v: 1;
  svixId: string;
  receivedAt: number;
  scrubbed: true;
  event: { type: string; data: { id: string | null } };
}

/** True for a completed job's data after `JobScrubber.scrub`: its event was committed already. */
export function isScrubbed(data: unknown): data is ScrubbedPayload {
  return typeof data === 'object' && data !== null && (data as { scrubbed?: unknown }).scrubbed === true;
}

/**
 * Completed jobs stay in Redis for the dedupe window; this strips their payload once the event is
 * committed to Postgres, so Redis holds no personal data beyond jobs still waiting or dead-lettered.
 * Calls made in the same tick share one round trip (ioredis auto-pipelining).
 */
export class JobScrubber {
  readonly #redis: ScrubbingRedis;
  readonly #queue: Queue;

  constructor(target: RedisTarget, queue: Queue) {
    const redis = connectRedis({ ...target, role: 'scrubber' });
    redis.defineCommand('clerkSyncScrub', { numberOfKeys: 1, lua: SCRUB_SCRIPT });
    this.#redis = redis as ScrubbingRedis;
    this.#queue = queue;
  }

  async scrub(job: Job, payload: JobPayload): Promise<void> {
    const id = payload.event.data.id;
    const stub: ScrubbedPayload = {
      v: 1,
      svixId: payload.svixId,
      receivedAt: payload.receivedAt,
      scrubbed: true,
      event: { type: payload.event.type, data: { id: typeof id === 'string' ? id : null } },
    };
    await this.#redis.clerkSyncScrub(this.#queue.toKey(job.id ?? payload.svixId), JSON.stringify(stub));
  }

  close(): void {
    this.#redis.disconnect();
  }
}

import { z } from 'zod';
import { DEFAULT_QUEUE_NAME, queueHashTag } from './queue-names.js';
import { parseRedisClusterNodes } from './redis-cluster-nodes.js';

/**
 * Where the queue lives, for every process that produces or consumes jobs. `REDIS_URL` carries the
 * password (`redis://:secret@host:6379`, `rediss://` for TLS); no message here repeats it. With
 * `REDIS_CLUSTER_NODES` (comma-separated `host:port` seeds) the processes use a Redis Cluster and take
 * only the credentials and TLS from `REDIS_URL`. Parse it with {@link refineQueueEnv} as well.
 */
export const queueEnv = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .transform((raw, ctx) => {
      try {
        return parseRedisClusterNodes(raw);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  QUEUE_NAME: z
    .string()
    .regex(/^[\w{}.-]+$/, 'letters, digits, _ . - and {} only')
    .default(DEFAULT_QUEUE_NAME),
});

export type QueueEnv = z.output<typeof queueEnv>;

/**
 * The check across `queueEnv`'s variables, for the `superRefine` of a schema that spreads its shape:
 * on a Redis Cluster every key of the queue and its dead letters must hash to one slot, so
 * `QUEUE_NAME` must carry a hash tag.
 *
 * @example
 * const ingestEnv = z.object({ ...queueEnv.shape, PORT: envInt(3000) }).superRefine(refineQueueEnv);
 */
export function refineQueueEnv(
  env: Pick<QueueEnv, 'REDIS_CLUSTER_NODES' | 'QUEUE_NAME'>,
  ctx: z.RefinementCtx,
): void {
  if (env.REDIS_CLUSTER_NODES.length > 0 && queueHashTag(env.QUEUE_NAME) === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['QUEUE_NAME'],
      message: 'must carry a Redis Cluster hash tag, e.g. {clerk}-events, when REDIS_CLUSTER_NODES is set',
    });
  }
}

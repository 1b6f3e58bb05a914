import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisNode } from './redis-cluster-nodes.js';

/** A connection to the queue's Redis: one server, or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * What a connection is for, which decides how it behaves while Redis is away:
 * - `producer` (the ingest) fails fast instead of buffering, so a request is answered 503 within the
 *   enqueue timeout rather than hang near Svix's 15 s limit; commands of one tick share a write.
 * - `consumer` (the worker's Worker and queues) waits for Redis to come back, as BullMQ requires of a
 *   blocking consumer (`maxRetriesPerRequest: null`).
 * - `scrubber` waits like a consumer, with auto-pipelining for its many small scripts.
 * - `command` (the `clerk-sync` CLI) retries a command a few times, then fails with an error.
 */
export type RedisRole = 'producer' | 'consumer' | 'scrubber' | 'command';

/** Where the queue's Redis is: `REDIS_URL`, and `REDIS_CLUSTER_NODES` (empty: no cluster). */
export interface RedisTarget {
  url: string;
  clusterNodes: readonly RedisNode[];
}

/** The target named by a process's parsed `queueEnv`. */
export function redisTarget(env: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES: readonly RedisNode[];
}): RedisTarget {
  return { url: env.REDIS_URL, clusterNodes: env.REDIS_CLUSTER_NODES };
}

const backoff = (times: number) => Math.min(times * 200, 2000);

const roleOptions: Record<RedisRole, RedisOptions> = {
  producer: {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    connectTimeout: 2000,
    retryStrategy: backoff,
  },
  consumer: { maxRetriesPerRequest: null },
  scrubber: { maxRetriesPerRequest: null, enableAutoPipelining: true },
  command: { maxRetriesPerRequest: 3 },
};

/**
 * The one place a Redis connection is made. With no cluster nodes it connects to `url`; with them it
 * opens an ioredis `Cluster` from those seeds and takes only the credentials and TLS from `url`
 * (`rediss://user:password@…`; its host, port and database are not used). Connection errors are
 * swallowed here (they surface as failed commands, a failing /readyz or the worker's retries); add a
 * listener to log them.
 *
 * @example
 * const redis = connectRedis({ ...redisTarget(env), role: 'producer' });
 * const queues = openQueues(env.QUEUE_NAME, redis);
 */
export function connectRedis(target: RedisTarget & { role: RedisRole }): RedisConnection {
  const options = roleOptions[target.role];
  const redis =
    target.clusterNodes.length === 0
      ? new Redis(target.url, options)
      : new Cluster([...target.clusterNodes], clusterOptions(target.url, options));
  redis.on('error', () => {});
  return redis;
}

/** The role's options split between the cluster and its node connections, with `url`'s credentials. */
function clusterOptions(url: string, options: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, enableAutoPipelining, retryStrategy, ...nodeOptions } = options;
  const parsed = new URL(url);
  const tls = parsed.protocol === 'rediss:';
  return {
    enableOfflineQueue,
    enableAutoPipelining,
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    // Nodes announce themselves by IP; keep it, so a TLS certificate is checked against what was dialled.
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    redisOptions: {
      ...nodeOptions,
      username: decodeURIComponent(parsed.username) || undefined,
      password: decodeURIComponent(parsed.password) || undefined,
      ...(tls ? { tls: {} } : {}),
    },
  };
}

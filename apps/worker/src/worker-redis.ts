import { connectRedis, type RedisConnection, type RedisTarget } from '@clerk-sync/queue';
import type { Logger } from './logger.js';

/**
 * The worker's Redis connection (one server or a Cluster), shared by its Worker and queues.
 * `maxRetriesPerRequest: null`, as BullMQ requires of a blocking consumer: commands wait for Redis to
 * come back instead of failing.
 * Warns at start when Redis may evict keys.
 */
export async function connectWorkerRedis(target: RedisTarget, logger: Logger): Promise<RedisConnection> {
  const connection = connectRedis({ ...target, role: 'consumer' });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await warnUnlessNoEviction(connection, logger);
  return connection;
}

/**
 * Evicted job keys are lost events, so a Redis that may evict deserves a loud warning at start. On a
 * cluster every master is asked: the queue lives on whichever owns its slot.
 */
async function warnUnlessNoEviction(redis: RedisConnection, logger: Logger): Promise<void> {
  try {
    // The first read also waits for the connection, so that a cluster knows its masters afterwards.
    const policies = [await maxmemoryPolicy(redis)];
    if ('nodes' in redis) policies.push(...(await Promise.all(redis.nodes('master').map(maxmemoryPolicy))));
    const policy = policies.find((p) => p !== undefined && p !== 'noeviction');
    if (policy) {
      logger.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: Redis may evict queued events under memory pressure',
      );
    }
  } catch {
    logger.info('could not read Redis maxmemory-policy (CONFIG may be disabled); make sure it is noeviction');
  }
}

async function maxmemoryPolicy(redis: Pick<RedisConnection, 'config'>): Promise<string | undefined> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  return reply[1];
}

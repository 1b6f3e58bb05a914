import { connectRedis, type RedisConnection, type RedisTarget } from '@clerk-sync/queue';
import type { Logger } from './logger.js';

/**
 * The worker's Redis connection (one server or a Cluster), shared by its Worker and queues. `maxRetriesPerRequest: null`, as
 * BullMQ requires of a blocking consumer: commands wait for Redis to come back instead of failing.
 * Warns at start when Redis may evict keys.
 */
export async function connectWorkerRedis(target: RedisTarget, logger: Logger): Promise<RedisConnection> {
  const connection = connectRedis({ ...target, role: 'consumer' });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await warnUnlessNoEviction(connection, logger);
  return connection;
}

/** Evicted job keys are lost events, so a Redis that may evict deserves a loud warning at start. */
async function warnUnlessNoEviction(redis: RedisConnection, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: Redis may evict queued events under memory pressure',
      );
    }
  } catch {
    logger.info('could not read Redis maxmemory-policy (CONFIG may be disabled); make sure it is noeviction');
  }
}

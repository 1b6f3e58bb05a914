import { Redis } from 'ioredis';

/**
 * A Redis connection for producing: it fails fast instead of buffering commands while Redis is away,
 * so a request can be answered 503 within the enqueue timeout rather than hang near Svix's 15 s limit.
 *
 * @example
 * const redis = createProducerRedis(env.REDIS_URL);
 * const queues = openQueues(env.QUEUE_NAME, redis);
 * const enqueuer = new Enqueuer(queues.queue, redis, options);
 */
export function createProducerRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Commands issued in the same tick by concurrent requests leave in one socket write.
    enableAutoPipelining: true,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface as 503s and a failing /readyz; they must not crash the process.
  redis.on('error', () => {});
  return redis;
}

import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection, redisTarget } from './connect-redis.js';

// Nothing listens on port 1: the clients are only inspected, then disconnected.
const opened: RedisConnection[] = [];
afterEach(() => {
  for (const redis of opened.splice(0)) redis.disconnect();
});
function open(...args: Parameters<typeof connectRedis>): RedisConnection {
  const redis = connectRedis(...args);
  opened.push(redis);
  return redis;
}

describe('connectRedis', () => {
  it('opens one Redis from the URL when there are no cluster nodes, with the role’s behaviour', () => {
    const producer = open({ url: 'redis://:pw@127.0.0.1:1/2', clusterNodes: [], role: 'producer' });
    expect(producer).toBeInstanceOf(Redis);
    expect((producer as Redis).options).toMatchObject({
      port: 1,
      password: 'pw',
      db: 2,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
    });
    const consumer = open({ url: 'redis://127.0.0.1:1', clusterNodes: [], role: 'consumer' });
    expect((consumer as Redis).options.maxRetriesPerRequest).toBeNull();
  });

  it('opens a Cluster from the seeds, taking only credentials and TLS from the URL', () => {
    const env = {
      REDIS_URL: 'rediss://ops:p%40ss@ignored.example:6380/3',
      REDIS_CLUSTER_NODES: [
        { host: '127.0.0.1', port: 1 },
        { host: '127.0.0.2', port: 1 },
      ],
    };
    const consumer = open({ ...redisTarget(env), role: 'consumer' });
    expect(consumer).toBeInstanceOf(Cluster);
    const cluster = consumer as Cluster;
    const nodeOptions = cluster.options.redisOptions;
    expect(nodeOptions).toMatchObject({
      username: 'ops',
      password: 'p@ss',
      tls: {},
      maxRetriesPerRequest: null,
    });
    expect(nodeOptions).not.toHaveProperty('host');
    expect(nodeOptions).not.toHaveProperty('db');

    const producer = open({
      url: 'redis://127.0.0.1:1',
      clusterNodes: env.REDIS_CLUSTER_NODES,
      role: 'producer',
    });
    const options = (producer as Cluster).options;
    expect(options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: true });
    expect(options.redisOptions).toMatchObject({ maxRetriesPerRequest: 1, connectTimeout: 2000 });
    expect(options.redisOptions).not.toHaveProperty('tls');
    expect(options.redisOptions?.password).toBeUndefined();
  });
});

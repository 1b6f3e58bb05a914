import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from './connect-redis.js';
import { takeLease } from './lease.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('takeLease on a real Redis', () => {
  const replicas = [1, 2, 3].map(() => connectRedis({ url: redisUrl, clusterNodes: [], role: 'consumer' }));
  afterAll(async () => {
    for (const r of replicas) r.disconnect();
  });

  it('grants one of several replicas a round, the others none, and anyone after it expires', async () => {
    const key = `test-lease-${randomUUID()}`;
    const [first] = replicas;
    if (!first) throw new Error('three replicas expected');
    const round = await Promise.all(replicas.map((r) => takeLease(r, key, 300)));
    expect(round.filter(Boolean)).toHaveLength(1);
    expect(await takeLease(first, key, 300)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const next = await Promise.all(replicas.map((r) => takeLease(r, key, 300)));
    expect(next.filter(Boolean)).toHaveLength(1);
    // Another chore's lease is its own.
    expect(await takeLease(first, `${key}-other`, 300)).toBe(true);
  });
});

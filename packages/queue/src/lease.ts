import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './connect-redis.js';

/**
 * Takes a lease in Redis for `ttlMs`, unless someone holds it: `SET key token NX PX ttlMs`. Replicas
 * that each run the same periodic chore on a timer call it on every tick; one of them gets it, the
 * others skip that round. It is never released early, so a chore runs at most once per `ttlMs`
 * whoever ticks, and a replica that dies simply stops taking it.
 *
 * @example if (await takeLease(connection, `${queueName}:lease:retention`, intervalMs * 0.8)) await sweep();
 */
export async function takeLease(connection: RedisConnection, key: string, ttlMs: number): Promise<boolean> {
  const answer = await connection.set(key, randomUUID(), 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
  return answer === 'OK';
}

import { describe, expect, it } from 'vitest';
import { queueEnv } from './queue-env.js';
import { DEFAULT_QUEUE_NAME } from './queue-names.js';

describe('queueEnv', () => {
  it('defaults to a local Redis and the default queue', () => {
    expect(queueEnv.parse({})).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_NAME: DEFAULT_QUEUE_NAME,
    });
  });

  it('takes a Redis URL with a password and a Cluster hash-tagged queue name', () => {
    const env = { REDIS_URL: 'rediss://:pw@redis.internal:6380', QUEUE_NAME: '{clerk}.events-1' };
    expect(queueEnv.parse(env)).toEqual(env);
  });

  it('refuses a bad URL and a queue name with characters BullMQ keys cannot carry, without echoing either', () => {
    const result = queueEnv.safeParse({ REDIS_URL: 'not a url :s3cret@', QUEUE_NAME: 'clerk events:x' });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues).toEqual([
      ['REDIS_URL', 'Invalid URL'],
      ['QUEUE_NAME', 'letters, digits, _ . - and {} only'],
    ]);
    expect(JSON.stringify(issues)).not.toContain('s3cret');
  });
});

import { describe, expect, it } from 'vitest';
import { queueEnv, refineQueueEnv } from './queue-env.js';
import { DEFAULT_QUEUE_NAME, deadLetterQueueName, queueHashTag } from './queue-names.js';

describe('queueEnv', () => {
  it('defaults to a local Redis and the default queue', () => {
    expect(queueEnv.parse({})).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: [],
      QUEUE_NAME: DEFAULT_QUEUE_NAME,
    });
  });

  it('takes a Redis URL with a password and a Cluster hash-tagged queue name', () => {
    const env = { REDIS_URL: 'rediss://:pw@redis.internal:6380', QUEUE_NAME: '{clerk}.events-1' };
    expect(queueEnv.parse(env)).toEqual({ ...env, REDIS_CLUSTER_NODES: [] });
  });

  it('takes Redis Cluster seeds as host:port, IPv6 in brackets, spaces and blanks ignored', () => {
    const env = { REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2.internal:7001,[::1]:7002,' };
    expect(queueEnv.parse(env).REDIS_CLUSTER_NODES).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('refuses a seed without a valid port, naming its position and not its text', () => {
    for (const raw of ['10.0.0.1:7000,secret-host', 'a:0', 'a:70000', 'redis://a:7000']) {
      const result = queueEnv.safeParse({ REDIS_CLUSTER_NODES: raw });
      expect(result.success).toBe(false);
      const [issue] = result.error?.issues ?? [];
      expect(issue?.path).toEqual(['REDIS_CLUSTER_NODES']);
      expect(issue?.message).toMatch(/^entry \d is not host:port/);
    }
    expect(
      JSON.stringify(queueEnv.safeParse({ REDIS_CLUSTER_NODES: 'a:1,secret-host' }).error),
    ).not.toContain('secret-host');
  });

  it('on a cluster, refuses a queue name without a hash tag, as its keys would spread over slots', () => {
    const checked = queueEnv.superRefine(refineQueueEnv);
    const cluster = { REDIS_CLUSTER_NODES: '127.0.0.1:7000' };
    for (const name of ['clerk-events', '{}-events', 'clerk-{events', 'clerk}{-events']) {
      const result = checked.safeParse({ ...cluster, QUEUE_NAME: name });
      expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['QUEUE_NAME', expect.stringContaining('must carry a Redis Cluster hash tag')],
      ]);
    }
    expect(checked.safeParse({ ...cluster, QUEUE_NAME: '{clerk}-events' }).success).toBe(true);
    expect(checked.safeParse({ ...cluster, QUEUE_NAME: 'x-{clerk}' }).success).toBe(true);
    // Without a cluster, any valid name will do.
    expect(checked.safeParse({ QUEUE_NAME: 'clerk-events' }).success).toBe(true);
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

describe('queueHashTag', () => {
  it('is the text of the first {…} of the name, shared by the dead-letter queue', () => {
    expect(queueHashTag('{clerk}-events')).toBe('clerk');
    expect(queueHashTag(deadLetterQueueName('{clerk}-events'))).toBe('clerk');
    expect(queueHashTag('a{b}{c}')).toBe('b');
    expect(queueHashTag('clerk-events')).toBeUndefined();
    expect(queueHashTag('{}x{y}')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envInt } from './env-fields.js';
import { envKeys } from './env-keys.js';
import { pickEnv } from './pick-env.js';

const queue = z.object({ REDIS_URL: z.string().default('redis://x'), QUEUE_NAME: z.string().default('q') });
const composed = z
  .object({ PORT: envInt(3000), ...queue.shape })
  .extend({ LOG_LEVEL: z.string().default('info') });

describe('envKeys', () => {
  it('lists every variable of a composed schema, pieces included, in order', () => {
    expect(envKeys(composed)).toEqual(['PORT', 'REDIS_URL', 'QUEUE_NAME', 'LOG_LEVEL']);
  });

  it('lists exactly the variables parsing reads', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      {},
      {
        get(_target, key) {
          if (typeof key === 'string') read.add(key);
          return undefined;
        },
      },
    );
    composed.parse(env);
    expect([...read].sort()).toEqual(envKeys(composed).sort());
  });
});

describe('pickEnv', () => {
  it("keeps only the fields one piece's schema defines", () => {
    const parsed = composed.parse({ PORT: '8080', QUEUE_NAME: 'jobs' });
    expect(pickEnv(parsed, queue)).toEqual({ REDIS_URL: 'redis://x', QUEUE_NAME: 'jobs' });
  });
});

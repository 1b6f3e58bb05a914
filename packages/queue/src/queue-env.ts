import { z } from 'zod';
import { DEFAULT_QUEUE_NAME } from './queue-names.js';

/**
 * Where the queue lives, for every process that produces or consumes jobs. `REDIS_URL` carries the
 * password (`redis://:secret@host:6379`, `rediss://` for TLS); no message here repeats it.
 */
export const queueEnv = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  QUEUE_NAME: z
    .string()
    .regex(/^[\w{}.-]+$/, 'letters, digits, _ . - and {} only')
    .default(DEFAULT_QUEUE_NAME),
});

export type QueueEnv = z.output<typeof queueEnv>;

import type { z } from 'zod';

/**
 * Every variable a schema reads, in its order: derived from the schema, so the lists that docs and
 * deployment checks compare against cannot drift from what the process parses.
 *
 * @example envKeys(z.object({ ...queueEnv.shape, PORT: envInt(3000) })) // ['REDIS_URL', 'QUEUE_NAME', 'PORT']
 */
export function envKeys<S extends z.ZodRawShape>(schema: z.ZodObject<S>): Array<Extract<keyof S, string>> {
  return Object.keys(schema.shape) as Array<Extract<keyof S, string>>;
}

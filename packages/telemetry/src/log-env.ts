import { z } from 'zod';

/** pino's levels, `silent` included. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** How much each app logs. Shared by the ingest and the worker. */
export const logEnv = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export type LogEnv = z.output<typeof logEnv>;

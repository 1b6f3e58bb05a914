import { z } from 'zod';

/** The example's settings, parsed once from `process.env`. */
export const exampleEnv = z.object({
  DATABASE_URL: z.string({ error: 'is required: the Postgres URL of the synced copy' }).min(1),
  DB_SCHEMA: z.string().min(1).default('clerk'),
  /** Where to LISTEN (a direct connection), or `false` behind a transaction pooler. Default: DATABASE_URL. */
  LISTEN_URL: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).default(3005),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Print changes after this seq; unset prints from the current end of the feed. */
  FROM_SEQ: z.coerce.number().int().min(0).optional(),
});

export type ExampleEnv = z.output<typeof exampleEnv>;

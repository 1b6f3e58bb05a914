import type { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Environment variables as a process sees them (`process.env`), or a literal record in tests. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * Parses `env` with a process's schema. Throws one {@link ConfigError} naming every bad variable;
 * the messages are the schema's, which say what is wrong without repeating the value.
 *
 * @example
 * const env = parseEnv(ingestEnv, process.env, 'ingest');
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: EnvSource, processName: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    processName,
    result.error.issues.map((issue) => ({ key: issue.path.map(String).join('.'), problem: issue.message })),
  );
}

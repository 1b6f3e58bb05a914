import type { z } from 'zod';

/**
 * The part of a parsed configuration that one piece's schema defines: how a process composed from
 * several pieces hands each consumer its own settings.
 *
 * @example const clerk = pickEnv(parsed, clerkApiEnv); // only the CLERK_* and BACKFILL_* fields
 */
export function pickEnv<T extends object, S extends z.ZodRawShape>(
  parsed: T,
  schema: z.ZodObject<S>,
): Pick<T, Extract<keyof S, keyof T>> {
  const keys = new Set(Object.keys(schema.shape));
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => keys.has(key))) as Pick<
    T,
    Extract<keyof S, keyof T>
  >;
}

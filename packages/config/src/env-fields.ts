import { z } from 'zod';

/** An integer variable with a default and a lower bound, e.g. `PORT: envInt(3000)`. */
export function envInt(fallback: number, min = 0) {
  return z.coerce.number().int().min(min).default(fallback);
}

/** `true` or `false` (exactly), read as a boolean. */
export function envFlag(fallback: boolean) {
  return z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');
}

/**
 * Wraps a field so that an empty variable counts as unset (`ADMIN_PASSWORD=` in a `.env` file, `""`
 * in a Kubernetes Secret) and gets the field's default.
 */
export function emptyAsUnset<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema);
}

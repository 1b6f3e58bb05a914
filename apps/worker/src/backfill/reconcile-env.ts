import { envInt, envKeys } from '@clerk-sync/config';
import { z } from 'zod';

/** Defaults of the reconcile's safety checks. */
export const RECONCILE_DEFAULTS = { maxGoneShare: 0.05, sampleSize: 20 } as const;

/**
 * The reconcile's safety checks. `RECONCILE_MAX_GONE_SHARE`: the largest share of one type's live
 * rows that `--apply` tombstones without `--force` (at least one row is always allowed).
 * `RECONCILE_SAMPLE_SIZE`: live local rows per type that must be visible to the key before anything
 * else is compared.
 */
export const reconcileEnv = z.object({
  RECONCILE_MAX_GONE_SHARE: z.coerce.number().min(0).max(1).default(RECONCILE_DEFAULTS.maxGoneShare),
  RECONCILE_SAMPLE_SIZE: envInt(RECONCILE_DEFAULTS.sampleSize, 1),
});

export type ReconcileEnv = z.output<typeof reconcileEnv>;

/** Every variable `reconcile` reads on top of the worker's and the Clerk API's. */
export const reconcileEnvKeys = envKeys(reconcileEnv);

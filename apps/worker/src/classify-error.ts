import { UnrecoverableError } from 'bullmq';

/**
 * SQLSTATE classes that say "this data can never be written": data exceptions (22, e.g. a NUL byte in
 * text) and integrity violations (23). Everything else — lost connections (08), serialization
 * failures and deadlocks (40), resource limits (53), shutdowns (57), even a missing table (42) that an
 * operator may be restoring — is worth retrying with backoff.
 */
const PERMANENT_CLASSES = new Set(['22', '23']);

export function isPermanentDbError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && PERMANENT_CLASSES.has(code.slice(0, 2));
}

/** The error a job should fail with: permanent ones become `UnrecoverableError`, so BullMQ stops retrying. */
export function jobError(error: unknown): Error {
  if (error instanceof UnrecoverableError) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  if (!isPermanentDbError(err)) return err;
  const code = (err as { code?: string }).code;
  return new UnrecoverableError(`database rejected the event (${code}): ${err.message}`);
}

import { UnrecoverableError } from '@clerk-sync/queue';

/**
 * SQLSTATE classes that say "the database, not this event, is the problem right now": lost
 * connections (08), serialization failures and deadlocks (40), a missing table that an operator may be
 * restoring (42P01, 3F000), resource limits (53), lock timeouts (55), statement timeouts and shutdowns
 * (57), system errors (58). Retrying these with backoff is how an outage ends without losing events.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '55', '57', '58']);
const TRANSIENT_STATES = new Set(['42P01', '3F000', '3D000']);

/** Socket-level failures Node reports by `code` when Postgres cannot be reached or goes away. */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What `pg` and its pool throw, without a code, when a connection breaks or cannot be had in time. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (?:error|timeout|refused|reset)/i,
  /cannot use a pool after calling end/i,
  /client has encountered a connection error/i,
  /server closed the connection unexpectedly/i,
];

/**
 * True only for errors that retrying can cure: the database or the network being away, busy or
 * slow. Everything else — data Postgres refuses (22, 23), an event our code cannot convert (a
 * `RangeError`, a `TypeError`) — would fail the same way on every attempt, so it is not retried:
 * the batch is split to find the event that causes it, and only that one fails.
 */
export function isTransientError(error: unknown, seen = new Set<unknown>()): boolean {
  // A thrown string is judged by its text, as `jobError` judges it once wrapped.
  if (typeof error === 'string') return TRANSIENT_MESSAGES.some((re) => re.test(error));
  // A cause chain can loop (a → b → a); each error is looked at once.
  if (typeof error !== 'object' || error === null || seen.has(error)) return false;
  seen.add(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code))
      return TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_STATES.has(code);
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && isTransientError(cause, seen);
}

/**
 * The error a job should fail with: a transient one as is, so BullMQ retries it with backoff; any
 * other as `UnrecoverableError`, so the event goes to the dead letters at once with its reason.
 */
export function jobError(error: unknown): Error {
  if (error instanceof UnrecoverableError) return error;
  // A thrown non-Error keeps its fields as the cause, so a bare `{ code: 'ECONNRESET' }` is still retried.
  const err = error instanceof Error ? error : new Error(String(error), { cause: error });
  if (isTransientError(err)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return new UnrecoverableError(`database rejected the event (${code}): ${err.message}`);
  }
  return new UnrecoverableError(`event cannot be applied (${err.name}): ${err.message}`);
}

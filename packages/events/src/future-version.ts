/** One day: far more than any honest clock drift between Clerk and us, far less than a bogus year. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 86_400_000;

/** The reader's clock and how far ahead of it a version may be. Passed in, so validation stays pure. */
export interface VersionClock {
  /** Epoch ms. */
  now: number;
  maxFutureSkewMs: number;
}

/**
 * Why a version cannot be trusted, or `null` when it can. A version far in the future would win every
 * version guard until the clock caught up with it: after a `user.updated` stamped in the year 2100,
 * each genuine update would be `stale`, and neither retries nor a reconcile could bring the row back.
 * So such an event is refused before it reaches a row. Exactly `maxFutureSkewMs` ahead is still allowed.
 *
 * @example futureVersionProblem(4_102_444_800_000, { now: Date.now(), maxFutureSkewMs: 86_400_000 })
 * // 'version 4102444800000 is more than 1 day ahead of now (2026-…Z)'
 */
export function futureVersionProblem(version: number, clock: VersionClock): string | null {
  if (version - clock.now <= clock.maxFutureSkewMs) return null;
  return `version ${version} is more than ${describeDuration(clock.maxFutureSkewMs)} ahead of now (${new Date(clock.now).toISOString()})`;
}

const units = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
] as const;

/** `86400000` → `1 day`, `7200000` → `2 hours`; anything not a whole unit stays in ms. */
function describeDuration(ms: number): string {
  for (const [name, size] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}

/** Below this an epoch number is read as seconds: 1e12 ms is September 2001, 1e12 s is year 33658. */
const SECONDS_CUTOFF = 1e12;

/**
 * Normalises an epoch timestamp to milliseconds. Clerk's spec examples send the envelope
 * `timestamp` in seconds while live deliveries send milliseconds; `data.*_at` is milliseconds in
 * webhooks but seconds in some Backend API objects, so every time the schemas read goes through this.
 *
 * @example toMillis(1716883200) === 1716883200000
 */
export function toMillis(epoch: number): number {
  return epoch < SECONDS_CUTOFF ? epoch * 1000 : epoch;
}

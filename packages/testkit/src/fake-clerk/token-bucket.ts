/** Clerk's Backend API rate limits: requests per 10 seconds, per instance. */
export const CLERK_RATE_LIMITS = {
  production: { requests: 1000, windowMs: 10_000 },
  development: { requests: 100, windowMs: 10_000 },
} as const;

export interface RateLimit {
  requests: number;
  windowMs: number;
}

/** A token bucket that starts full and refills continuously at `requests` per `windowMs`. */
export class TokenBucket {
  readonly #limit: RateLimit;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, now = Date.now()) {
    this.#limit = limit;
    this.#tokens = limit.requests;
    this.#at = now;
  }

  /** Takes a token, or says how many seconds until one is available (for `Retry-After`). */
  take(now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const perMs = this.#limit.requests / this.#limit.windowMs;
    this.#tokens = Math.min(this.#limit.requests, this.#tokens + (now - this.#at) * perMs);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.#tokens) / perMs / 1000)) };
  }
}

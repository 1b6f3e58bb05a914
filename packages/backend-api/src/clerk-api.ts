/** Requests per 10 s that Clerk allows each instance, by preset. */
export const CLERK_API_RATES = { production: 1000, development: 100 } as const;

export interface ClerkApiOptions {
  /** e.g. `https://api.clerk.com`; paths are appended as `/v1/…`. */
  baseUrl: string;
  secretKey: string;
  /** Requests per 10 seconds this client may send (already reduced by any share kept for the app). */
  requestsPer10s: number;
  /** Attempts per request for 5xx and network errors before giving up. */
  maxTries: number;
  /** Longest single wait honoured for a 429's `Retry-After`, and most consecutive 429s tolerated. */
  maxThrottleWaits?: number;
  signal?: AbortSignal;
}

export interface ApiStats {
  requests: number;
  throttled: number;
  retries: number;
}

/** A request that failed for good; the message says what happened and what to do. */
export class ClerkApiError extends Error {
  override readonly name = 'ClerkApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/**
 * A small client for Clerk's list endpoints, called over plain HTTP so that each page costs exactly
 * one request. It paces itself below the instance's rate limit, waits out a 429 for as long as
 * `Retry-After` says, retries 5xx and network errors with exponential backoff, and gives up with a
 * clear message after `maxTries`.
 */
export class ClerkApi {
  readonly stats: ApiStats = { requests: 0, throttled: 0, retries: 0 };
  readonly #options: ClerkApiOptions;
  readonly #intervalMs: number;
  #nextSlot = 0;

  constructor(options: ClerkApiOptions) {
    this.#options = options;
    this.#intervalMs = 10_000 / options.requestsPer10s;
  }

  async get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    const url = new URL(path, this.#options.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const what = `GET ${url.pathname}${url.search}`;
    let failures = 0;
    let throttles = 0;
    for (;;) {
      await this.#pace();
      this.stats.requests += 1;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: `Bearer ${this.#options.secretKey}`, accept: 'application/json' },
          signal: this.#options.signal,
        });
      } catch (error) {
        if (this.#options.signal?.aborted) throw error;
        failures += 1;
        if (failures >= this.#options.maxTries) {
          throw new ClerkApiError(`${what} failed ${failures} times: ${(error as Error).message}`, undefined);
        }
        await this.#backoff(failures);
        continue;
      }
      if (response.ok) return (await response.json()) as T;
      const detail = await describe(response);
      if (response.status === 429) {
        this.stats.throttled += 1;
        throttles += 1;
        if (throttles > (this.#options.maxThrottleWaits ?? 30)) {
          throw new ClerkApiError(
            `${what}: still rate limited after ${throttles} waits; lower CLERK_API_RATE`,
            429,
          );
        }
        const seconds = Number(response.headers.get('retry-after'));
        await sleep((Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000, this.#options.signal);
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new ClerkApiError(
          `${what}: ${response.status}: CLERK_SECRET_KEY was rejected (${detail})`,
          response.status,
        );
      }
      if (response.status < 500)
        throw new ClerkApiError(`${what}: ${response.status}: ${detail}`, response.status);
      failures += 1;
      if (failures >= this.#options.maxTries) {
        throw new ClerkApiError(
          `${what} failed ${failures} times, last with ${response.status}: ${detail}`,
          response.status,
        );
      }
      await this.#backoff(failures);
    }
  }

  async #backoff(failures: number): Promise<void> {
    this.stats.retries += 1;
    const base = Math.min(30_000, 250 * 2 ** (failures - 1));
    await sleep(base / 2 + Math.random() * (base / 2), this.#options.signal);
  }

  /** Spaces requests evenly at the configured rate; concurrent callers queue for their slots. */
  async #pace(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + this.#intervalMs;
    if (slot > now) await sleep(slot - now, this.#options.signal);
  }
}

async function describe(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as {
      errors?: Array<{ long_message?: string; message?: string; code?: string }>;
    };
    const first = body.errors?.[0];
    return first
      ? `${first.code ?? 'error'}: ${first.long_message ?? first.message ?? ''}`
      : response.statusText;
  } catch {
    return response.statusText || 'no details';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

import { isIPv6 } from 'node:net';

export interface LoginThrottleOptions {
  /**
   * Failed logins a client may make in a row before it has to wait.
   * @defaultValue 5
   */
  freeFailures?: number;
  /**
   * The first wait; it doubles with every further failure.
   * @defaultValue 1000
   */
  baseDelayMs?: number;
  /**
   * The longest wait.
   * @defaultValue 900000 (15 minutes)
   */
  maxDelayMs?: number;
  /**
   * How long a client's failures are remembered after its last one. Longer than the longest wait, so
   * that sitting out a lockout does not buy a fresh set of free guesses.
   * @defaultValue 86400000 (24 hours)
   */
  forgetAfterMs?: number;
  /**
   * Clients tracked at once; past it the least recently failing one is forgotten, so a flood of
   * addresses costs bounded memory.
   * @defaultValue 10000
   */
  maxClients?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/**
 * Slows password guessing on the admin listener: after a few failures from one client, each further
 * attempt must wait exponentially longer (1 s, 2 s, 4 s, … up to 15 minutes), and attempts during the
 * wait are refused without checking the password, so they teach the guesser nothing. A success does
 * not clear the record: behind `kubectl port-forward` or a proxy every client shares one address, and
 * the operator's own requests (basic auth resends the password with each) would hand a guesser on the
 * same address fresh tries. Failures are forgotten a day after the last one.
 *
 * @example
 * const throttle = new LoginThrottle();
 * const wait = throttle.waitMs(ip); // > 0: answer 429 with Retry-After
 * if (!ok) throttle.failed(ip);
 */
export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #freeFailures: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #forgetAfterMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.#freeFailures = options.freeFailures ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
    this.#forgetAfterMs = Math.max(options.forgetAfterMs ?? 24 * 3_600_000, this.#maxDelayMs);
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** How long this client must wait before its credentials are checked again; 0 when it may try now. */
  waitMs(client: string): number {
    const entry = this.#live(clientKey(client));
    return entry ? Math.max(0, entry.lockedUntil - this.#now()) : 0;
  }

  failed(client: string): void {
    const key = clientKey(client);
    const now = this.#now();
    const failures = (this.#live(key)?.failures ?? 0) + 1;
    const over = failures - this.#freeFailures;
    const delay = over >= 0 ? Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** over) : 0;
    // Re-inserting moves the key to the end, so the Map's order is least recently failing first.
    this.#entries.delete(key);
    this.#entries.set(key, { failures, lastFailureAt: now, lockedUntil: now + delay });
    while (this.#entries.size > this.#maxClients) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** Clients currently remembered (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && this.#now() - entry.lastFailureAt > this.#forgetAfterMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/**
 * One key per client: an IPv4 address as is (also when IPv4-mapped), an IPv6 address by its /64
 * prefix, since one host usually holds a whole /64 and could otherwise rotate through it.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

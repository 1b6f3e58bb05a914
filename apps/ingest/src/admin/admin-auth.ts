import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { LoginThrottle } from './login-throttle.js';

export interface AdminAuthOptions {
  username: string;
  password: string;
  /** Shared across requests; defaults to a fresh {@link LoginThrottle}. */
  throttle?: LoginThrottle;
  /** The client to throttle; defaults to the socket's remote address. */
  clientAddress?: (c: Context) => string;
}

const REALM = 'Basic realm="clerk-sync admin", charset="UTF-8"';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** The TCP peer; behind a proxy every client shares its address and so its failure budget. */
function socketAddress(c: Context): string {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming?.socket.remoteAddress ?? 'unknown';
}

/**
 * HTTP basic auth for the admin listener. Both fields are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither their content nor their length leaks through timing. Failed
 * attempts are slowed per client by {@link LoginThrottle}; while a client waits it gets 429 with
 * `Retry-After` and its credentials are not checked at all.
 */
export function adminAuth(options: AdminAuthOptions): MiddlewareHandler {
  const expectedUser = digest(options.username);
  const expectedPassword = digest(options.password);
  const throttle = options.throttle ?? new LoginThrottle();
  const clientAddress = options.clientAddress ?? socketAddress;

  return async (c, next) => {
    const client = clientAddress(c);
    const wait = throttle.waitMs(client);
    if (wait > 0) {
      return c.json(
        { error: 'too_many_failed_logins', message: 'too many failed logins; wait and retry' },
        429,
        { 'Retry-After': String(Math.ceil(wait / 1000)) },
      );
    }
    const given = parseBasic(c.req.header('authorization'));
    if (given === undefined) {
      return c.json({ error: 'unauthorized' }, 401, { 'WWW-Authenticate': REALM });
    }
    // `&`, not `&&`: always compare both, so a right username is not told apart by timing.
    const ok =
      Number(timingSafeEqual(digest(given.username), expectedUser)) &
      Number(timingSafeEqual(digest(given.password), expectedPassword));
    if (!ok) {
      throttle.failed(client);
      return c.json({ error: 'unauthorized' }, 401, { 'WWW-Authenticate': REALM });
    }
    await next();
  };
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = header && /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

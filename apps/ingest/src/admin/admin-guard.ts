import type { MiddlewareHandler } from 'hono';

/** Names a browser on this machine uses for the admin listener; any port. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HOST_ENTRY = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

/**
 * Parses `ADMIN_ALLOWED_HOSTS`: names (any port) or `name:port` pairs, separated by commas or spaces.
 * Throws on an entry a `Host` header could never carry, such as a URL.
 */
export function parseAllowedHosts(raw: string): string[] {
  const entries = raw
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    if (!HOST_ENTRY.test(entry)) throw new Error(`"${entry}" is not a host name or host:port`);
  }
  return entries;
}

/**
 * True when the request's `Host` is one the operator expects. A DNS-rebinding page reaches this
 * listener under the attacker's own name (`Host: rebind.attacker.example`), which is never allowed.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const match = HOST_ENTRY.exec(host.toLowerCase());
  if (!match) return false;
  const [whole, name] = match;
  return allowed.some((entry) => entry === whole || entry === name);
}

/**
 * Why a state-changing request must be refused as a possible cross-site forgery, or `undefined`.
 * Browsers resend basic-auth credentials on cross-site form posts and no-cors fetches, so this holds
 * whether or not the request is authenticated:
 * - `Sec-Fetch-Site`, when sent, must be `same-origin` (or `none`, a request the user typed);
 * - `Origin`, when sent, must be this listener's own origin;
 * - the body must be `application/json`, which no form and no no-cors fetch can send; a request
 *   without a body (Bull Board's retry and clean buttons) needs no content type.
 */
export function crossSiteProblem(
  method: string,
  host: string,
  header: (name: string) => string | undefined,
): { status: 403 | 415; error: string } | undefined {
  if (SAFE_METHODS.has(method)) return undefined;
  const site = header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, error: 'cross_site_request' };
  }
  const origin = header('origin');
  if (origin !== undefined && !sameOrigin(origin, host)) return { status: 403, error: 'cross_site_request' };
  const type = header('content-type');
  if (type === undefined) {
    const length = Number(header('content-length') ?? 0);
    if (header('transfer-encoding') !== undefined || length > 0) {
      return { status: 415, error: 'json_required' };
    }
    return undefined;
  }
  const mediaType = type.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json' ? undefined : { status: 415, error: 'json_required' };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin); // `Origin: null` (sandboxed or file pages) throws here
    // Parse the Host with the origin's scheme so a default port (:80, :443) compares equal to none.
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}

/**
 * The admin listener's first line of defence, before authentication: refuse unknown `Host` names
 * (421) and cross-site writes (403/415), and forbid framing on every response.
 */
export function adminGuard(allowedHosts: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!hostAllowed(host, allowedHosts)) {
      return c.json({ error: 'unknown_host', message: 'add this name to ADMIN_ALLOWED_HOSTS' }, 421);
    }
    const problem = crossSiteProblem(c.req.method, host, (name) => c.req.header(name));
    if (problem) {
      const message =
        problem.status === 415
          ? 'state-changing requests must send Content-Type: application/json'
          : 'cross-site requests are refused';
      return c.json({ error: problem.error, message }, problem.status);
    }
    await next();
  };
}

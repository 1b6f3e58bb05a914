import type { DeadLetters, Queue } from '@clerk-sync/queue';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { adminAuth } from './admin-auth.js';
import { adminGuard, LOOPBACK_HOSTS } from './admin-guard.js';
import { mountBullBoard } from './bull-board.js';
import { registerDeadLetterRoutes } from './dead-letter-routes.js';
import { refuseJobEdits } from './refuse-job-edits.js';

export interface AdminDeps {
  /** The main queue: browsed in Bull Board, and guarded there against losing events. */
  queue: Queue;
  deadLetters: DeadLetters;
  /** Every route needs HTTP basic auth with these; there is no anonymous mode. */
  credentials: { username: string; password: string };
  /**
   * `Host` names the listener answers to besides the loopback ones (`ADMIN_ALLOWED_HOSTS`), as
   * `name` (any port) or `name:port`.
   */
  allowedHosts?: readonly string[];
}

/**
 * The operator's listener: Bull Board (main and dead-letter queues) and the dead-letter API, which
 * lists letters and replays them with the same selectors as `pnpm replay`. Metrics are served
 * elsewhere (`METRICS_PORT`), so nothing here is anonymous.
 *
 * Anything that lands in the main queue is applied without a signature check, so this listener is
 * closed from every side: unknown `Host` names (DNS rebinding) get 421, cross-site writes 403 or 415
 * whatever their credentials, wrong passwords are throttled, pages cannot be framed, and Bull Board
 * can neither add a job nor rewrite a job's data. Retrying failed jobs and replaying dead letters stay.
 */
export function createAdminApp(deps: AdminDeps): Hono {
  const app = new Hono();
  app.use(
    '*',
    secureHeaders({
      xFrameOptions: 'DENY',
      contentSecurityPolicy: { frameAncestors: ["'none'"] },
      // Plain HTTP on loopback by default; HSTS belongs to the TLS proxy in front, if any.
      strictTransportSecurity: false,
    }),
    async (c, next) => {
      await next();
      // Job data holds personal data: keep it out of browser and proxy caches.
      c.header('Cache-Control', 'no-store');
    },
  );
  app.use('*', adminGuard([...LOOPBACK_HOSTS, ...(deps.allowedHosts ?? [])]));
  app.use('*', adminAuth(deps.credentials));

  refuseJobEdits(app, deps.queue.name);
  mountBullBoard(app, deps);
  registerDeadLetterRoutes(app, deps.deadLetters);
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  return app;
}

/**
 * The admin credentials, or `undefined` when `ADMIN_PASSWORD` is unset: then the admin listener
 * stays off rather than serve without authentication or invent a password that would end up in logs.
 */
export function adminCredentials(options: {
  username: string;
  password: string | undefined;
}): { username: string; password: string } | undefined {
  return options.password ? { username: options.username, password: options.password } : undefined;
}

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { type DeadLetters, ReplaySelectorError, replayDeadLetters } from '@clerk-sync/queue';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { type Context, Hono, type Next } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { z } from 'zod';
import { adminAuth } from './admin-auth.js';
import { adminGuard, LOOPBACK_HOSTS } from './admin-guard.js';

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

const replayBody = z
  .object({
    all: z.boolean().optional(),
    svixIds: z.array(z.string().min(1)).max(1000).optional(),
    type: z.string().min(1).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

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

  // Bull Board would otherwise let anyone logged in forge an event (add) or rewrite one (update-data)
  // in either queue; a rewritten dead letter becomes a forged event once replayed.
  const readOnlyData = (c: Context) =>
    c.json(
      {
        error: 'forbidden',
        message:
          'jobs cannot be added or edited here; only Clerk (through the signed webhook) creates events',
      },
      403,
    );
  app.post('/admin/queues/api/queues/:queueName/add', readOnlyData);
  app.patch('/admin/queues/api/queues/:queueName/:jobId/update-data', readOnlyData);

  // An event on the main queue was already answered 2xx, so Svix will not send it again: emptying,
  // obliterating or cleaning that queue (or removing one of its jobs) would lose it for good. Completed
  // jobs may go; they are applied. Dead letters can still be removed: that is the operator's decision.
  const mainQueue = deps.queue.name;
  const keepEvents = (c: Context, next: Next) => {
    if (c.req.param('queueName') !== mainQueue) return next();
    if (c.req.param('queueStatus') === 'completed') return next();
    return c.json(
      {
        error: 'forbidden',
        message: `jobs of ${mainQueue} are events Clerk will not send again; they cannot be removed here`,
      },
      403,
    );
  };
  app.put('/admin/queues/api/queues/:queueName/empty', keepEvents);
  app.put('/admin/queues/api/queues/:queueName/obliterate', keepEvents);
  app.put('/admin/queues/api/queues/:queueName/clean/:queueStatus', keepEvents);
  app.put('/admin/queues/api/queues/:queueName/:jobId/clean', keepEvents);

  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: [new NoAddAdapter(deps.queue), new NoAddAdapter(deps.deadLetters.dead)],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'clerk-sync' } },
  });
  board.setBasePath('/admin/queues');
  app.route('/admin/queues', board.registerPlugin());

  app.get('/admin/dead-letters', async (c) => {
    const offset = Number(c.req.query('offset') ?? 0);
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > 500) {
      return c.json({ error: 'offset must be ≥ 0 and limit 1–500' }, 400);
    }
    const page = await deps.deadLetters.list(offset, limit);
    return c.json({ ...page, offset, limit });
  });

  app.post('/admin/dead-letters/replay', async (c) => {
    let parsed: z.infer<typeof replayBody>;
    try {
      parsed = replayBody.parse(await c.req.json());
    } catch (error) {
      const message = error instanceof z.ZodError ? z.prettifyError(error) : 'body must be JSON';
      return c.json({ error: 'invalid_request', message }, 400);
    }
    try {
      const report = await replayDeadLetters(
        deps.deadLetters,
        {
          all: parsed.all,
          svixIds: parsed.svixIds,
          type: parsed.type,
          since: parsed.since ? new Date(parsed.since) : undefined,
        },
        { dryRun: parsed.dryRun },
      );
      return c.json(report);
    } catch (error) {
      if (error instanceof ReplaySelectorError)
        return c.json({ error: 'invalid_request', message: error.message }, 400);
      throw error;
    }
  });

  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  return app;
}

/** A second lock behind the refused routes: even a route that slipped past them cannot add a job. */
class NoAddAdapter extends BullMQAdapter {
  override addJob(): never {
    throw new Error('adding jobs from the admin listener is disabled');
  }
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

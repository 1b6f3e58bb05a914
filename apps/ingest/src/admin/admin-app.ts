import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { type DeadLetters, ReplaySelectorError, replayDeadLetters } from '@clerk-sync/events/dead-letters';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import type { Registry } from 'prom-client';
import { z } from 'zod';

export interface AdminDeps {
  deadLetters: DeadLetters;
  registry: Registry;
  /** When set, every route needs HTTP basic auth with these. */
  credentials?: { username: string; password: string };
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
 * The operator's listener: Bull Board (main and dead-letter queues), Prometheus metrics, and the
 * dead-letter API, which lists letters and replays them with the same selectors as `pnpm replay`.
 */
export function createAdminApp(deps: AdminDeps): Hono {
  const app = new Hono();
  if (deps.credentials) app.use('*', basicAuth({ ...deps.credentials, realm: 'clerk-sync admin' }));

  app.get('/metrics', async (c) => {
    const body = await deps.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.registry.contentType });
  });

  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: [
      new BullMQAdapter(deps.deadLetters.queue),
      new BullMQAdapter(deps.deadLetters.dead, { readOnlyMode: false }),
    ],
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

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Refuses an admin listener reachable beyond this machine without credentials, and half-set
 * credentials. Returns the credentials to use, if any.
 */
export function adminCredentials(options: {
  host: string;
  username: string | undefined;
  password: string | undefined;
}): { username: string; password: string } | undefined {
  const { host, username, password } = options;
  if (Boolean(username) !== Boolean(password)) {
    throw new Error('set both ADMIN_USERNAME and ADMIN_PASSWORD, or neither');
  }
  if (username && password) return { username, password };
  if (!LOOPBACK.has(host)) {
    throw new Error(
      `ADMIN_HOST=${host} is reachable beyond this machine: set ADMIN_USERNAME and ADMIN_PASSWORD`,
    );
  }
  return undefined;
}

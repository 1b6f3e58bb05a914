import { type DeadLetters, ReplaySelectorError, replayDeadLetters } from '@clerk-sync/queue';
import type { Context, Hono } from 'hono';
import { z } from 'zod';

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
 * The dead-letter API: `GET /admin/dead-letters` lists a page of letters, and
 * `POST /admin/dead-letters/replay` replays them with the same selectors as `pnpm replay`.
 */
export function registerDeadLetterRoutes(app: Hono, deadLetters: DeadLetters): void {
  app.get('/admin/dead-letters', (c) => listDeadLetters(c, deadLetters));
  app.post('/admin/dead-letters/replay', (c) => replay(c, deadLetters));
}

async function listDeadLetters(c: Context, deadLetters: DeadLetters): Promise<Response> {
  const offset = Number(c.req.query('offset') ?? 0);
  const limit = Number(c.req.query('limit') ?? 50);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > 500) {
    return c.json({ error: 'offset must be ≥ 0 and limit 1–500' }, 400);
  }
  const page = await deadLetters.list(offset, limit);
  return c.json({ ...page, offset, limit });
}

async function replay(c: Context, deadLetters: DeadLetters): Promise<Response> {
  let parsed: z.infer<typeof replayBody>;
  try {
    parsed = replayBody.parse(await c.req.json());
  } catch (error) {
    const message = error instanceof z.ZodError ? z.prettifyError(error) : 'body must be JSON';
    return c.json({ error: 'invalid_request', message }, 400);
  }
  try {
    const report = await replayDeadLetters(
      deadLetters,
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
}

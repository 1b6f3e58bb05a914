import type { ClerkSyncClient } from '@clerk-sync/client';
import { Hono } from 'hono';

/**
 * `GET /users`: the live users (tombstones left out by `users_live`), newest first, typed by the
 * client's `Database`. `?limit=` caps the list (default 50, at most 500).
 */
export function createApp(client: ClerkSyncClient): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/users', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 500);
    const users = await client.db
      .selectFrom('users_live')
      .select(['id', 'email', 'first_name', 'last_name', 'created_at', 'version'])
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return c.json({ users });
  });
  return app;
}

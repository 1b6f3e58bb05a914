// Baseline (c): the handler from Clerk's sync guide — verify, then one upsert per request, answered
// only after Postgres committed it.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { Webhook } from 'svix';

const webhook = new Webhook(String(process.env.CLERK_WEBHOOK_SIGNING_SECRET));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const table = String(process.env.SEED_TABLE);

const app = new Hono();
app.post('/webhooks/clerk', async (c) => {
  const body = await c.req.text();
  try {
    webhook.verify(body, {
      'svix-id': c.req.header('svix-id') ?? '',
      'svix-timestamp': c.req.header('svix-timestamp') ?? '',
      'svix-signature': c.req.header('svix-signature') ?? '',
    });
  } catch {
    return c.json({ error: 'bad signature' }, 400);
  }
  const event = JSON.parse(body) as { type: string; data: Record<string, unknown> };
  const d = event.data;
  await pool.query(
    `INSERT INTO ${table} (id, type, first_name, updated_at, data) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET type = excluded.type, first_name = excluded.first_name,
       updated_at = excluded.updated_at, data = excluded.data`,
    [d.id, event.type, d.first_name ?? null, d.updated_at ?? null, JSON.stringify(d)],
  );
  return c.json({ status: 'ok' });
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => {
  console.log(JSON.stringify({ port: info.port }));
});
process.on('SIGTERM', () => pool.end().then(() => process.exit(0)));

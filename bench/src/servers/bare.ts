// Baseline (a): a bare Hono handler on @hono/node-server that reads the body and answers 200.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/webhooks/clerk', async (c) => {
  await c.req.text();
  return c.json({ status: 'ok' });
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => {
  console.log(JSON.stringify({ port: info.port }));
});
process.on('SIGTERM', () => process.exit(0));

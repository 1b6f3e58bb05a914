// Baseline (d): the least an edge that enqueues with BullMQ must do. It checks the signature and its
// timestamp with node:crypto, parses the body and adds one job per request with the ingest's job
// options (its defaults), then answers 202. Nothing else: no duplicate claim, limits, metrics, spans
// or log line. It shows how far one `queue.add` per request lets any such edge go on this machine.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { readIngestEnv } from '@clerk-sync/ingest';
import { jobOptions } from '@clerk-sync/queue';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const env = readIngestEnv(process.env);
const secret = String(process.env.CLERK_WEBHOOK_SIGNING_SECRET);
const key = createSecretKey(Buffer.from(secret.slice('whsec_'.length), 'base64'));
const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
const queue = new Queue(env.QUEUE_NAME, { connection });
const policy = {
  attempts: env.JOB_ATTEMPTS,
  backoffMs: env.JOB_BACKOFF_MS,
  jitter: env.JOB_BACKOFF_JITTER,
  dedupeWindowSeconds: env.DEDUPE_WINDOW_SECONDS,
  dedupeMaxJobs: env.DEDUPE_MAX_JOBS,
};
const TOLERANCE_SECONDS = 5 * 60;

function signed(id: string, timestamp: string, signatures: string, body: Buffer): boolean {
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
    return false;
  }
  const expected = Buffer.from(
    createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64'),
  );
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1') return false;
    const offered = Buffer.from(signature ?? '');
    return offered.length === expected.length && timingSafeEqual(offered, expected);
  });
}

const app = new Hono();
app.post('/webhooks/clerk', async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  const id = c.req.header('svix-id') ?? '';
  if (!signed(id, c.req.header('svix-timestamp') ?? '', c.req.header('svix-signature') ?? '', body)) {
    return c.json({ error: 'bad signature' }, 400);
  }
  const event = JSON.parse(body.toString('utf8')) as { type: string; data: Record<string, unknown> };
  await queue.add(event.type, { v: 1, svixId: id, receivedAt: Date.now(), event }, jobOptions(id, policy));
  return c.json({ status: 'enqueued' }, 202);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => {
  console.log(JSON.stringify({ port: info.port }));
});
process.on('SIGTERM', () => {
  queue.close().then(() => process.exit(0));
});

import { randomUUID } from 'node:crypto';
import { OTHER_SIGNING_SECRET, svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIngestEnv } from './env.js';
import { createIngestService, type IngestService } from './ingest-service.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const LIMIT = 4096;

/** Requests an attacker or a broken proxy could send: any method, headers, body, size or encoding. */
const requestArb = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: fc.constantFrom(
    '/webhooks/clerk',
    '/webhooks/clerk',
    '/webhooks/clerk/',
    '/webhooks',
    '/',
    '/webhooks/clerk?x=1',
  ),
  body: fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json({ maxDepth: 3 }),
    fc.uint8Array({ maxLength: LIMIT * 2 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc.constant(JSON.stringify({ type: 'user.created', data: { id: 'user_fuzz' } })),
    fc.integer({ min: LIMIT - 10, max: LIMIT * 3 }).map((n) => 'x'.repeat(n)),
  ),
  signing: fc.constantFrom('none', 'garbage', 'wrong-secret', 'tampered', 'stale', 'future', 'valid'),
  svixId: fc.oneof(fc.constant(`msg_${randomUUID()}`), fc.string({ maxLength: 40 }), fc.constant('12345')),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', ''),
  extra: fc.dictionary(
    fc.constantFrom('svix-id', 'svix-timestamp', 'svix-signature', 'x-forwarded-for'),
    fc.string({ maxLength: 60 }),
  ),
});

describe('fuzzing the edge', () => {
  let s: IngestService;
  beforeAll(() => {
    s = createIngestService(
      readIngestEnv({
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        REDIS_URL: redisUrl,
        QUEUE_NAME: `test-fuzz-${randomUUID()}`,
        BODY_LIMIT_BYTES: String(LIMIT),
      }),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await s.queue.obliterate({ force: true });
    await s.close();
  });

  it('always answers 2xx or 4xx, and enqueues only what a configured secret signed', async () => {
    const enqueued = new Set<string>();
    let validSignatures = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const id = r.signing === 'valid' || r.signing === 'tampered' ? `msg_${randomUUID()}` : r.svixId;
        let headers: Record<string, string> = { ...r.extra };
        if (r.contentType) headers['content-type'] = r.contentType;
        const at =
          r.signing === 'stale'
            ? new Date(Date.now() - 600_000)
            : r.signing === 'future'
              ? new Date(Date.now() + 600_000)
              : new Date();
        if (r.signing === 'garbage')
          headers = { ...headers, 'svix-id': id, 'svix-timestamp': 'x', 'svix-signature': 'v1,AAAA' };
        else if (r.signing !== 'none') {
          const secret = r.signing === 'wrong-secret' ? OTHER_SIGNING_SECRET : TEST_SIGNING_SECRET;
          headers = { ...headers, ...svixHeaders(secret, id, r.body, at) };
        }
        const body = r.signing === 'tampered' ? `${r.body} ` : r.body;
        const init: RequestInit = { method: r.method, headers };
        if (r.method !== 'GET' && r.method !== 'OPTIONS') init.body = body;
        const res = await s.app.request(r.path, init);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(500);
        const signedRight =
          r.signing === 'valid' &&
          r.method === 'POST' &&
          (r.path === '/webhooks/clerk' || r.path.startsWith('/webhooks/clerk?'));
        if (res.status === 202) {
          expect(signedRight).toBe(true);
          enqueued.add(id);
        }
        if (r.signing === 'valid') validSignatures += 1;
      }),
      { numRuns: 400 },
    );
    // Nothing reached the queue that a configured secret did not sign.
    const jobs = await s.queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    for (const job of jobs) expect(enqueued.has(String(job.id))).toBe(true);
    expect(jobs.length).toBe(enqueued.size);
    expect(validSignatures).toBeGreaterThan(0);
    // Still responsive.
    expect((await s.app.request('/healthz')).status).toBe(200);
  });
});

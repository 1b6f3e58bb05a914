import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import type { RawEvent } from '@clerk-sync/events';
import { EnqueueRejectedError, isRedisFailure, type JobPayload } from '@clerk-sync/queue';
import {
  loadWebhookExamples,
  makeEvent,
  OTHER_SIGNING_SECRET,
  svixHeaders,
  TEST_SIGNING_SECRET,
} from '@clerk-sync/testkit';
import { Queue } from 'bullmq';
import { ReplyError } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIngestApp } from './app.js';
import { readIngestEnv } from './env.js';
import { createIngestService, type IngestService } from './ingest-service.js';
import { createVerifier } from './webhook-verifier.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const logLines: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

function service(overrides: Record<string, string> = {}): IngestService {
  const env = readIngestEnv({
    CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    REDIS_URL: redisUrl,
    QUEUE_NAME: `test-ingest-${randomUUID()}`,
    ...overrides,
  });
  return createIngestService(env, logger);
}

const event = makeEvent(
  { kind: 'user', id: 'user_ingest', createdAt: 1_750_000_000_000 },
  'created',
  1_750_000_000_000,
);
const body = JSON.stringify(event);

async function post(s: IngestService, payload: string, headers: Record<string, string>): Promise<Response> {
  return await s.app.request('/webhooks/clerk', { method: 'POST', body: payload, headers });
}

describe('POST /webhooks/clerk with Redis up', () => {
  let s: IngestService;
  beforeAll(() => {
    s = service({ BODY_LIMIT_BYTES: '65536' });
  });
  afterAll(async () => {
    await s.queue.obliterate({ force: true });
    await s.close();
  });
  afterEach(() => {
    logLines.length = 0;
  });

  const jobCount = async () => {
    const counts = await s.queue.getJobCounts(
      'waiting',
      'active',
      'completed',
      'failed',
      'delayed',
      'prioritized',
    );
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  it('enqueues a valid event once, with the svix-id as job id and the event type as name', async () => {
    const id = `msg_${randomUUID()}`;
    const res = await post(s, body, svixHeaders(TEST_SIGNING_SECRET, id, body));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'enqueued' });
    const job = await s.queue.getJob(id);
    expect(job?.name).toBe('user.created');
    const { unsafe_metadata: _, ...storedData } = event.data as Record<string, unknown>;
    expect(job?.data).toMatchObject({
      v: 1,
      svixId: id,
      instance: 'default',
      event: { ...event, data: storedData },
    });
    expect(job?.data.receivedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(job?.opts).toMatchObject({
      attempts: 15,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: { age: 86_400, count: 200_000 },
    });
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.svixId === id);
    expect(line).toMatchObject({ eventType: 'user.created', outcome: 'enqueued' });
    expect(typeof line.latencyMs).toBe('number');
  });

  it('enqueues one job for the same svix-id sent three times, and counts the rest as duplicates', async () => {
    const before = await jobCount();
    const id = `msg_${randomUUID()}`;
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(s, body, svixHeaders(TEST_SIGNING_SECRET, id, body));
      statuses.push(((await res.json()) as { status: string }).status);
    }
    expect(statuses).toEqual(['enqueued', 'duplicate', 'duplicate']);
    expect(await jobCount()).toBe(before + 1);
  });

  it('enqueues one job when the same svix-id arrives three times at once', async () => {
    const before = await jobCount();
    const id = `msg_${randomUUID()}`;
    const results = await Promise.all(
      [1, 2, 3].map(() => post(s, body, svixHeaders(TEST_SIGNING_SECRET, id, body)).then((r) => r.status)),
    );
    expect(results.sort()).toEqual([200, 200, 202]);
    expect(await jobCount()).toBe(before + 1);
  });

  const rejected: Array<[string, () => [string, Record<string, string>], string]> = [
    [
      'a tampered body',
      () => {
        const h = svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body);
        return [body.replace('First', 'Evil'), h];
      },
      'bad_signature',
    ],
    [
      'a wrong secret',
      () => [body, svixHeaders(OTHER_SIGNING_SECRET, `msg_${randomUUID()}`, body)],
      'bad_signature',
    ],
    [
      'a missing svix-signature header',
      () => {
        const { 'svix-signature': _, ...h } = svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body);
        return [body, h];
      },
      'missing_headers',
    ],
    [
      'a timestamp 6 minutes old',
      () => [
        body,
        svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body, new Date(Date.now() - 6 * 60_000)),
      ],
      'stale_timestamp',
    ],
    [
      'a timestamp 6 minutes ahead',
      () => [
        body,
        svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body, new Date(Date.now() + 6 * 60_000)),
      ],
      'stale_timestamp',
    ],
    [
      'a non-numeric timestamp',
      () => [
        body,
        { ...svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body), 'svix-timestamp': 'soon' },
      ],
      'invalid_headers',
    ],
  ];

  it.each(rejected)('rejects %s with 400 and enqueues nothing', async (_name, make, reason) => {
    const before = await jobCount();
    const [payload, headers] = make();
    const res = await post(s, payload, headers);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: reason });
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['not JSON', 'this is not json', 'invalid_json'],
    ['an array', '[1,2]', 'invalid_event'],
    ['an object without data', '{"type":"user.created"}', 'invalid_event'],
    ['an object whose type is not a string', '{"type":1,"data":{}}', 'invalid_event'],
  ])('rejects a signed body that is %s with 400', async (_name, payload, reason) => {
    const before = await jobCount();
    const res = await post(s, payload, svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, payload));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: reason });
    expect(await jobCount()).toBe(before);
  });

  it('rejects a signed numeric svix-id, which BullMQ cannot use as a job id', async () => {
    const res = await post(s, body, svixHeaders(TEST_SIGNING_SECRET, '12345', body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_svix_id' });
  });

  it('accepts the Standard Webhooks header names (webhook-id, webhook-timestamp, webhook-signature)', async () => {
    const id = `msg_${randomUUID()}`;
    const h = svixHeaders(TEST_SIGNING_SECRET, id, body);
    const res = await post(s, body, {
      'content-type': 'application/json',
      'webhook-id': h['svix-id'],
      'webhook-timestamp': h['svix-timestamp'],
      'webhook-signature': h['svix-signature'],
    });
    expect(res.status).toBe(202);
    expect((await s.queue.getJob(id))?.name).toBe('user.created');
  });

  it('logs a short printable prefix and the length of an invalid svix-id, never the raw header', async () => {
    const raw = `${'A'.repeat(20)}\u00e9${'B'.repeat(8000)}`;
    const res = await post(s, body, { ...svixHeaders(TEST_SIGNING_SECRET, 'msg_x', body), 'svix-id': raw });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_svix_id' });
    const lines = logLines.map((l) => JSON.parse(l));
    const line = lines.find((l) => l.outcome === 'invalid_svix_id');
    expect(line).toMatchObject({
      svixIdLength: raw.length,
      svixIdPrefix: `${'A'.repeat(20)}?${'B'.repeat(11)}`,
    });
    expect(line.svixId).toBeUndefined();
    for (const l of logLines) expect(l).not.toContain('B'.repeat(12));
  });

  it('answers an unsigned request that declares a body with Connection: close, so its body is never read', async () => {
    const stale = svixHeaders(
      TEST_SIGNING_SECRET,
      `msg_${randomUUID()}`,
      body,
      new Date(Date.now() - 600_000),
    );
    const res = await post(s, body, stale);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'stale_timestamp' });
    expect(res.headers.get('connection')).toBe('close');
    const ok = await post(s, body, svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body));
    expect(ok.headers.get('connection')).toBeNull();
  });

  it('answers a signed body nested 8,000 levels deep with 400 too_deep, and enqueues nothing', async () => {
    const before = await jobCount();
    const deep = `{"type":"user.created","data":{"x":${'['.repeat(8000)}${']'.repeat(8000)}}}`;
    const res = await post(s, deep, svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, deep));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'too_deep' });
    expect(await jobCount()).toBe(before);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ type: 'user.created', data: { pad: 'x'.repeat(70_000) } });
    const declared = await post(s, big, svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, big));
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
        controller.close();
      },
    });
    const streamed = await s.app.request('/webhooks/clerk', {
      method: 'POST',
      body: stream,
      headers: svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, 'irrelevant'),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('keeps no unsafe_metadata in the queued job, at any depth, and the rest of the event intact', async () => {
    const secret = 'typed-in-the-browser';
    const withUnsafe = {
      ...event,
      data: {
        ...event.data,
        unsafe_metadata: { note: secret },
        nested: [{ unsafe_metadata: { note: secret }, kept: 1 }],
      },
    };
    const payload = JSON.stringify(withUnsafe);
    const id = `msg_${randomUUID()}`;
    const res = await post(s, payload, svixHeaders(TEST_SIGNING_SECRET, id, payload));
    expect(res.status).toBe(202);
    const job = await s.queue.getJob(id);
    expect(JSON.stringify(job?.data)).not.toContain(secret);
    expect(JSON.stringify(job?.data)).not.toContain('unsafe_metadata');
    const { unsafe_metadata: _, ...rest } = withUnsafe.data;
    expect(job?.data.event).toEqual({ ...withUnsafe, data: { ...rest, nested: [{ kept: 1 }] } });
  });

  it('accepts unknown event types; the worker decides what to do with them', async () => {
    const unknown = JSON.stringify({ type: 'spaceship.launched', data: { id: 'ship_1' }, timestamp: 1 });
    const id = `msg_${randomUUID()}`;
    const res = await post(s, unknown, svixHeaders(TEST_SIGNING_SECRET, id, unknown));
    expect(res.status).toBe(202);
    expect((await s.queue.getJob(id))?.name).toBe('spaceship.launched');
  });

  it.each(loadWebhookExamples())('accepts Clerk example $file, re-signed', async ({ event: example }) => {
    const payload = JSON.stringify(example);
    const id = `msg_${randomUUID()}`;
    const res = await post(s, payload, svixHeaders(TEST_SIGNING_SECRET, id, payload));
    expect(res.status).toBe(202);
    expect((await s.queue.getJob(id))?.name).toBe(example.type);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await s.app.request('/webhooks/other', { method: 'POST' })).status).toBe(404);
    const get = await s.app.request('/webhooks/clerk');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('reports live and ready', async () => {
    expect((await s.app.request('/healthz')).status).toBe(200);
    expect((await s.app.request('/readyz')).status).toBe(200);
  });

  it('never echoes the secret or the payload in responses or logs', async () => {
    const tampered = body.replace('First', 'Evil');
    const res = await post(s, tampered, svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body));
    const text = await res.text();
    const secretPart = TEST_SIGNING_SECRET.slice('whsec_'.length);
    for (const output of [text, ...logLines]) {
      expect(output).not.toContain(secretPart);
      expect(output).not.toContain('example.test');
    }
    expect(logLines.length).toBeGreaterThan(0);
  });
});

describe('secret rotation', () => {
  it('accepts bodies signed with either configured secret', async () => {
    const s = service({ CLERK_WEBHOOK_SIGNING_SECRET: `${OTHER_SIGNING_SECRET}, ${TEST_SIGNING_SECRET}` });
    try {
      for (const secret of [TEST_SIGNING_SECRET, OTHER_SIGNING_SECRET]) {
        const res = await post(s, body, svixHeaders(secret, `msg_${randomUUID()}`, body));
        expect(res.status).toBe(202);
      }
    } finally {
      await s.queue.obliterate({ force: true });
      await s.close();
    }
  });
});

describe('several Clerk instances', () => {
  it('stores each job in Redis with the name of the instance whose secret signed it', async () => {
    const ROTATED_SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
    const s = service({
      CLERK_WEBHOOK_SIGNING_SECRET: '',
      CLERK_INSTANCES: 'prod:ins_2prod, dev:ins_2dev:clerk_dev',
      CLERK_WEBHOOK_SIGNING_SECRET_PROD: `${TEST_SIGNING_SECRET} ${ROTATED_SECRET}`,
      CLERK_WEBHOOK_SIGNING_SECRET_DEV: OTHER_SIGNING_SECRET,
    });
    try {
      const sent = [
        { secret: TEST_SIGNING_SECRET, instance: 'prod' },
        { secret: ROTATED_SECRET, instance: 'prod' },
        { secret: OTHER_SIGNING_SECRET, instance: 'dev' },
      ].map((d) => ({ ...d, id: `msg_${randomUUID()}` }));
      for (const { secret, id } of sent) {
        expect((await post(s, body, svixHeaders(secret, id, body))).status).toBe(202);
      }
      for (const { id, instance } of sent) {
        expect((await s.queue.getJob(id))?.data).toMatchObject({ svixId: id, instance });
      }
      const unknown = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
      const refusedId = `msg_${randomUUID()}`;
      expect((await post(s, body, svixHeaders(unknown, refusedId, body))).status).toBe(400);
      expect(await s.queue.getJob(refusedId)).toBeUndefined();
    } finally {
      await s.queue.obliterate({ force: true });
      await s.close();
    }
  });
});

describe('enqueue errors that are not Redis being away', () => {
  let s: IngestService;
  beforeAll(() => {
    s = service();
  });
  afterAll(async () => {
    await s.queue.obliterate({ force: true });
    await s.close();
  });

  const payload = (data: Record<string, unknown>): JobPayload => ({
    v: 1,
    svixId: `msg_${randomUUID()}`,
    receivedAt: Date.now(),
    event: { type: 'user.created', data } as RawEvent,
  });

  it('rejects a payload that cannot be serialized as EnqueueRejectedError, not as unavailable', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 20_000; i++) deep = [deep];
    for (const data of [{ deep }, { big: 10n }]) {
      const error = await s.enqueuer.enqueue(payload(data)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnqueueRejectedError);
    }
    // The same Redis takes an ordinary job right after.
    expect(await s.enqueuer.enqueue(payload({ id: 'user_ok' }))).toBe('enqueued');
  });

  it('answers 422 unprocessable, never 503, when the queue refuses a signed event', async () => {
    // With the edge's depth limit lifted, an 8,000-level body reaches BullMQ, whose JSON.stringify overflows.
    const app = createIngestApp({
      verifier: createVerifier([{ name: 'default', secrets: [TEST_SIGNING_SECRET] }]),
      enqueue: (p) => s.enqueuer.enqueue(p),
      isReady: async () => true,
      logger,
      bodyLimitBytes: 1024 * 1024,
      queueName: s.queue.name,
      maxJsonDepth: Number.POSITIVE_INFINITY,
    });
    const deep = `{"type":"user.created","data":{"x":${'['.repeat(8000)}${']'.repeat(8000)}}}`;
    const id = `msg_${randomUUID()}`;
    const res = await app.request('/webhooks/clerk', {
      method: 'POST',
      body: deep,
      headers: svixHeaders(TEST_SIGNING_SECRET, id, deep),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'unprocessable' });
    expect(await s.queue.getJob(id)).toBeUndefined();
  });

  it('tells Redis failures from bad payloads', () => {
    expect(isRedisFailure(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisFailure(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(
      true,
    );
    expect(isRedisFailure(Object.assign(new Error('read ECONNRESET'), { syscall: 'read' }))).toBe(true);
    expect(isRedisFailure(new ReplyError('OOM command not allowed when used memory > maxmemory'))).toBe(true);
    expect(isRedisFailure(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isRedisFailure(new TypeError('Do not know how to serialize a BigInt'))).toBe(false);
  });
});

describe('close()', () => {
  it('lets a webhook in flight finish and store its job before the queue and Redis close', async () => {
    const s = service({ PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', SHUTDOWN_TIMEOUT_MS: '5000' });
    const id = `msg_${randomUUID()}`;
    const queue = new Queue(s.queue.name, { connection: { url: redisUrl } });
    try {
      const { port } = await s.listen();
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/webhooks/clerk',
        // One connection, closed after the answer: an idle keep-alive one would hold the close open.
        agent: false,
        headers: { ...svixHeaders(TEST_SIGNING_SECRET, id, body), 'content-length': Buffer.byteLength(body) },
      });
      const answered = new Promise<number | undefined>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
      });
      // Headers and half the body: the request is in flight when the shutdown begins.
      req.write(body.slice(0, 20));
      await new Promise((r) => setTimeout(r, 200));
      const closing = s.close();
      let closed = false;
      void closing.then(() => {
        closed = true;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(closed).toBe(false);
      req.end(body.slice(20));
      expect(await answered).toBe(202);
      await closing;
      expect((await queue.getJob(id))?.name).toBe('user.created');
      // Closed for good: a second call is the same finished shutdown, and no new connection is taken.
      await s.close();
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      await s.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe('Redis unreachable', () => {
  it('answers 503 within about 2 seconds and fails readiness', async () => {
    const s = service({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const started = Date.now();
      const res = await post(s, body, svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, body));
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await s.app.request('/readyz')).status).toBe(503);
      expect((await s.app.request('/healthz')).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('configuration', () => {
  it('refuses to start without a signing secret, saying what to set', () => {
    expect(() => readIngestEnv({})).toThrow(/CLERK_WEBHOOK_SIGNING_SECRET: is required/);
  });

  it('refuses a malformed secret without echoing it', () => {
    try {
      readIngestEnv({ CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_ok1234567890abcdefghijk== not-a-secret' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('secret #2 is malformed');
      expect((error as Error).message).not.toContain('not-a-secret');
    }
  });
});

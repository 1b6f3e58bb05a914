import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  EnqueueRejectedError,
  type EnqueueResult,
  EnqueueUnavailableError,
  type JobPayload,
  withTimeout,
} from '@clerk-sync/queue';
import {
  loadWebhookExamples,
  makeEvent,
  OTHER_SIGNING_SECRET,
  svixHeaders,
  TEST_SIGNING_SECRET,
} from '@clerk-sync/testkit';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIngestApp, type IngestDeps, type IngestOutcome } from './app.js';
import { signingKey } from './signing-secrets.js';
import { createVerifier } from './webhook-verifier.js';

const ENQUEUE_TIMEOUT_MS = 2000;

type QueueBehaviour = 'store' | 'unavailable' | 'rejected' | 'throws' | 'hangs';

/**
 * Stands in for the Redis-backed Enqueuer: records every job it is handed, answers `duplicate` for a
 * svix-id it already holds (as BullMQ's job id does), and can be told to fail the ways the real one
 * fails: Redis away, a job Redis refuses, an unexpected error, or no answer at all (bounded by the
 * same `withTimeout` the real enqueuer uses).
 */
function fakeQueue() {
  const jobs = new Map<string, JobPayload>();
  const calls: JobPayload[] = [];
  let behaviour: QueueBehaviour = 'store';
  const enqueue = async (payload: JobPayload): Promise<EnqueueResult> => {
    calls.push(payload);
    switch (behaviour) {
      case 'unavailable':
        throw new EnqueueUnavailableError('Redis refused the job: Connection is closed.');
      case 'rejected':
        throw new EnqueueRejectedError('the job could not be written (RangeError)');
      case 'throws':
        throw new TypeError('something else broke');
      case 'hangs':
        return await withTimeout(new Promise<EnqueueResult>(() => {}), ENQUEUE_TIMEOUT_MS);
      case 'store':
        if (jobs.has(payload.svixId)) return 'duplicate';
        jobs.set(payload.svixId, payload);
        return 'enqueued';
    }
  };
  return {
    jobs,
    calls,
    enqueue,
    behave(next: QueueBehaviour) {
      behaviour = next;
    },
  };
}

interface LogLine {
  level: number;
  msg: string;
  svixId?: string;
  svixIdLength?: number;
  svixIdPrefix?: string;
  eventType?: string;
  instance?: string;
  outcome?: string;
  latencyMs?: number;
}

function setup(overrides: Partial<IngestDeps> = {}) {
  const queue = fakeQueue();
  const logs: string[] = [];
  const outcomes: Array<{ outcome: IngestOutcome; eventType: string | undefined; seconds: number }> = [];
  let ready = true;
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const app = createIngestApp({
    verifier: createVerifier([{ name: 'default', secrets: [TEST_SIGNING_SECRET] }]),
    enqueue: queue.enqueue,
    isReady: async () => ready,
    logger,
    bodyLimitBytes: 65_536,
    queueName: 'clerk-events-unit',
    onOutcome: (outcome, eventType, seconds) => outcomes.push({ outcome, eventType, seconds }),
    ...overrides,
  });
  const post = async (body: RequestInit['body'], headers: Record<string, string>, init: RequestInit = {}) =>
    await app.request('/webhooks/clerk', { method: 'POST', body, headers, ...init });
  const lines = () => logs.map((line) => JSON.parse(line) as LogLine);
  return {
    app,
    queue,
    logs,
    lines,
    outcomes,
    post,
    setReady(value: boolean) {
      ready = value;
    },
  };
}

const event = makeEvent(
  { kind: 'user', id: 'user_unit', createdAt: 1_750_000_000_000 },
  'created',
  1_750_000_000_000,
);
const body = JSON.stringify(event);
const newId = () => `msg_${randomUUID()}`;

/** Svix's signature over raw bytes, for bodies that are not valid UTF-8 text. */
function signBytes(secret: string, id: string, bytes: Uint8Array): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', signingKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(bytes)
    .digest('base64');
  return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': `v1,${signature}` };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /webhooks/clerk', () => {
  it('answers 202 once the job is enqueued: one job, under the svix-id, without unsafe_metadata', async () => {
    const s = setup();
    const id = newId();
    const before = Date.now();
    const res = await s.post(body, svixHeaders(TEST_SIGNING_SECRET, id, body));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'enqueued' });
    expect(s.queue.calls).toHaveLength(1);
    const job = s.queue.calls[0];
    const { unsafe_metadata: _, ...storedData } = event.data as Record<string, unknown>;
    expect(job).toMatchObject({
      v: 1,
      svixId: id,
      instance: 'default',
      event: { ...event, data: storedData },
    });
    expect(job?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(job?.receivedAt).toBeLessThanOrEqual(Date.now());
    expect(job?.trace).toBeUndefined();
  });

  it('logs the accepted delivery with its svix-id, type, instance, outcome and latency, and reports the outcome', async () => {
    const s = setup();
    const id = newId();
    await s.post(body, svixHeaders(TEST_SIGNING_SECRET, id, body));
    const line = s.lines().find((l) => l.svixId === id);
    expect(line).toMatchObject({
      msg: 'webhook accepted',
      eventType: 'user.created',
      instance: 'default',
      outcome: 'enqueued',
    });
    expect(line?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(s.outcomes).toEqual([
      { outcome: 'enqueued', eventType: 'user.created', seconds: expect.any(Number) },
    ]);
  });

  it('answers 200 duplicate, not 202, for a svix-id the queue already holds', async () => {
    const s = setup();
    const id = newId();
    const answers: Array<[number, unknown]> = [];
    for (let i = 0; i < 3; i++) {
      const res = await s.post(body, svixHeaders(TEST_SIGNING_SECRET, id, body));
      answers.push([res.status, await res.json()]);
    }
    expect(answers).toEqual([
      [202, { status: 'enqueued' }],
      [200, { status: 'duplicate' }],
      [200, { status: 'duplicate' }],
    ]);
    expect(s.queue.jobs.size).toBe(1);
    expect(s.outcomes.map((o) => o.outcome)).toEqual(['enqueued', 'duplicate', 'duplicate']);
  });

  const rejected: Array<[string, () => [string, Record<string, string>], string]> = [
    [
      'a tampered body',
      () => [body.replace('First', 'Evil'), svixHeaders(TEST_SIGNING_SECRET, newId(), body)],
      'bad_signature',
    ],
    ['a wrong secret', () => [body, svixHeaders(OTHER_SIGNING_SECRET, newId(), body)], 'bad_signature'],
    [
      'a missing svix-signature header',
      () => {
        const { 'svix-signature': _, ...headers } = svixHeaders(TEST_SIGNING_SECRET, newId(), body);
        return [body, headers];
      },
      'missing_headers',
    ],
    [
      'a signature that is not v1',
      () => {
        const headers = svixHeaders(TEST_SIGNING_SECRET, newId(), body);
        return [body, { ...headers, 'svix-signature': headers['svix-signature'].replace('v1,', 'v2,') }];
      },
      'bad_signature',
    ],
    [
      'a timestamp 6 minutes old',
      () => [body, svixHeaders(TEST_SIGNING_SECRET, newId(), body, new Date(Date.now() - 6 * 60_000))],
      'stale_timestamp',
    ],
    [
      'a timestamp 6 minutes ahead',
      () => [body, svixHeaders(TEST_SIGNING_SECRET, newId(), body, new Date(Date.now() + 6 * 60_000))],
      'stale_timestamp',
    ],
    [
      'a non-numeric timestamp',
      () => [body, { ...svixHeaders(TEST_SIGNING_SECRET, newId(), body), 'svix-timestamp': 'soon' }],
      'invalid_headers',
    ],
    [
      'a signed numeric svix-id, which BullMQ cannot use as a job id',
      () => [body, svixHeaders(TEST_SIGNING_SECRET, '12345', body)],
      'invalid_svix_id',
    ],
  ];

  it.each(rejected)('rejects %s with 400 and enqueues nothing', async (_name, make, reason) => {
    const s = setup();
    const [payload, headers] = make();
    const res = await s.post(payload, headers);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: reason });
    expect(s.queue.calls).toEqual([]);
    expect(s.outcomes).toEqual([{ outcome: reason, eventType: undefined, seconds: expect.any(Number) }]);
    expect(s.lines()).toEqual([expect.objectContaining({ msg: 'webhook rejected', outcome: reason })]);
  });

  it.each([
    ['not JSON', 'this is not json', 'invalid_json'],
    ['an array', '[1,2]', 'invalid_event'],
    ['null', 'null', 'invalid_event'],
    ['an object without data', '{"type":"user.created"}', 'invalid_event'],
    ['an object whose data is an array', '{"type":"user.created","data":[]}', 'invalid_event'],
    ['an object whose type is not a string', '{"type":1,"data":{}}', 'invalid_event'],
    ['an object whose type is empty', '{"type":"","data":{}}', 'invalid_event'],
    [
      'an object whose type is over 200 characters',
      `{"type":"${'x'.repeat(201)}","data":{}}`,
      'invalid_event',
    ],
  ])('rejects a signed body that is %s with 400', async (_name, payload, reason) => {
    const s = setup();
    const res = await s.post(payload, svixHeaders(TEST_SIGNING_SECRET, newId(), payload));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: reason });
    expect(s.queue.calls).toEqual([]);
  });

  it('rejects a signed body that is not valid UTF-8 with 400 invalid_json', async () => {
    const s = setup();
    const bytes = Uint8Array.from([
      ...Buffer.from('{"type":"user.created","data":{"x":"'),
      0xff,
      0xfe,
      ...Buffer.from('"}}'),
    ]);
    const res = await s.post(bytes, signBytes(TEST_SIGNING_SECRET, newId(), bytes));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_json' });
    expect(s.queue.calls).toEqual([]);
  });

  it('accepts the Standard Webhooks header names (webhook-id, webhook-timestamp, webhook-signature)', async () => {
    const s = setup();
    const id = newId();
    const h = svixHeaders(TEST_SIGNING_SECRET, id, body);
    const res = await s.post(body, {
      'content-type': 'application/json',
      'webhook-id': h['svix-id'],
      'webhook-timestamp': h['svix-timestamp'],
      'webhook-signature': h['svix-signature'],
    });
    expect(res.status).toBe(202);
    expect(s.queue.calls.map((j) => j.svixId)).toEqual([id]);
  });

  it('accepts bodies signed with either secret of a rotation', async () => {
    const s = setup({
      verifier: createVerifier([{ name: 'default', secrets: [OTHER_SIGNING_SECRET, TEST_SIGNING_SECRET] }]),
    });
    for (const secret of [TEST_SIGNING_SECRET, OTHER_SIGNING_SECRET]) {
      expect((await s.post(body, svixHeaders(secret, newId(), body))).status).toBe(202);
    }
    expect(s.queue.calls.map((job) => job.instance)).toEqual(['default', 'default']);
  });

  it('logs a short printable prefix and the length of an invalid svix-id, never the raw header', async () => {
    const s = setup();
    const raw = `${'A'.repeat(20)}\u00e9${'B'.repeat(8000)}`;
    const res = await s.post(body, { ...svixHeaders(TEST_SIGNING_SECRET, 'msg_x', body), 'svix-id': raw });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_svix_id' });
    const line = s.lines().find((l) => l.outcome === 'invalid_svix_id');
    expect(line).toMatchObject({
      svixIdLength: raw.length,
      svixIdPrefix: `${'A'.repeat(20)}?${'B'.repeat(11)}`,
    });
    expect(line?.svixId).toBeUndefined();
    for (const l of s.logs) expect(l).not.toContain('B'.repeat(12));
  });

  it('answers a refused request whose body it did not read with Connection: close', async () => {
    const s = setup();
    const stale = svixHeaders(TEST_SIGNING_SECRET, newId(), body, new Date(Date.now() - 600_000));
    const res = await s.post(body, stale);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'stale_timestamp' });
    expect(res.headers.get('connection')).toBe('close');
    const ok = await s.post(body, svixHeaders(TEST_SIGNING_SECRET, newId(), body));
    expect(ok.status).toBe(202);
    expect(ok.headers.get('connection')).toBeNull();
  });

  it('answers a signed body nested 8,000 levels deep with 400 too_deep, and enqueues nothing', async () => {
    const s = setup();
    const deep = `{"type":"user.created","data":{"x":${'['.repeat(8000)}${']'.repeat(8000)}}}`;
    const res = await s.post(deep, svixHeaders(TEST_SIGNING_SECRET, newId(), deep));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'too_deep' });
    expect(s.queue.calls).toEqual([]);
  });

  it('honours a configured depth limit', async () => {
    const s = setup({ maxJsonDepth: 3 });
    const nested = '{"type":"user.created","data":{"a":{"b":{}}}}';
    const res = await s.post(nested, svixHeaders(TEST_SIGNING_SECRET, newId(), nested));
    expect(await res.json()).toMatchObject({ error: 'too_deep' });
    const flat = '{"type":"user.created","data":{"a":{}}}';
    expect((await s.post(flat, svixHeaders(TEST_SIGNING_SECRET, newId(), flat))).status).toBe(202);
  });

  it('accepts a body of exactly the limit and answers 413 one byte over it', async () => {
    const limit = Buffer.byteLength(body);
    const exact = setup({ bodyLimitBytes: limit });
    expect((await exact.post(body, svixHeaders(TEST_SIGNING_SECRET, newId(), body))).status).toBe(202);
    const under = setup({ bodyLimitBytes: limit - 1 });
    const res = await under.post(body, svixHeaders(TEST_SIGNING_SECRET, newId(), body));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'too_large' });
    expect(under.queue.calls).toEqual([]);
  });

  it('answers 413 for a body over the limit that declares no length, and stops reading it', async () => {
    const s = setup();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(1000).fill(120));
        if (pulled === 1000) controller.close();
      },
    });
    const res = await s.post(stream, svixHeaders(TEST_SIGNING_SECRET, newId(), 'irrelevant'), {
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(pulled).toBeLessThan(100);
    expect(s.queue.calls).toEqual([]);
  });

  it('answers 400 aborted when the body breaks off before it is complete', async () => {
    const s = setup();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 20)));
        controller.error(new Error('socket hang up'));
      },
    });
    const res = await s.post(stream, svixHeaders(TEST_SIGNING_SECRET, newId(), body), {
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'aborted' });
    expect(s.queue.calls).toEqual([]);
  });

  it('keeps no unsafe_metadata in the job, at any depth, and the rest of the event intact', async () => {
    const s = setup();
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
    expect((await s.post(payload, svixHeaders(TEST_SIGNING_SECRET, newId(), payload))).status).toBe(202);
    const job = s.queue.calls[0];
    expect(JSON.stringify(job)).not.toContain(secret);
    expect(JSON.stringify(job)).not.toContain('unsafe_metadata');
    const { unsafe_metadata: _, ...rest } = withUnsafe.data;
    expect(job?.event).toEqual({ ...withUnsafe, data: { ...rest, nested: [{ kept: 1 }] } });
  });

  it('accepts unknown event types; the worker decides what to do with them', async () => {
    const s = setup();
    const unknown = JSON.stringify({ type: 'spaceship.launched', data: { id: 'ship_1' }, timestamp: 1 });
    expect((await s.post(unknown, svixHeaders(TEST_SIGNING_SECRET, newId(), unknown))).status).toBe(202);
    expect(s.queue.calls[0]?.event.type).toBe('spaceship.launched');
  });

  it.each(loadWebhookExamples())(
    'accepts Clerk example $file, re-signed, and enqueues it as sent',
    async ({ event: example }) => {
      const s = setup();
      const payload = JSON.stringify(example);
      const id = newId();
      const res = await s.post(payload, svixHeaders(TEST_SIGNING_SECRET, id, payload));
      expect(res.status).toBe(202);
      expect(s.queue.calls).toHaveLength(1);
      expect(s.queue.calls[0]).toMatchObject({ svixId: id, event: { type: example.type } });
    },
  );

  it('never echoes the secret or personal data in responses or logs', async () => {
    const s = setup();
    const texts: string[] = [];
    const tampered = body.replace('First', 'Evil');
    texts.push(await (await s.post(tampered, svixHeaders(TEST_SIGNING_SECRET, newId(), body))).text());
    texts.push(await (await s.post(body, svixHeaders(TEST_SIGNING_SECRET, newId(), body))).text());
    const secretPart = TEST_SIGNING_SECRET.slice('whsec_'.length);
    expect(s.logs.length).toBe(2);
    for (const output of [...texts, ...s.logs]) {
      expect(output).not.toContain(secretPart);
      expect(output).not.toContain('example.test');
      expect(output).not.toContain('First');
    }
  });
});

describe('POST /webhooks/clerk with several Clerk instances', () => {
  const ROTATED_SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
  const UNKNOWN_SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
  const twoInstances = () =>
    setup({
      verifier: createVerifier([
        { name: 'prod', secrets: [TEST_SIGNING_SECRET, ROTATED_SECRET] },
        { name: 'dev', secrets: [OTHER_SIGNING_SECRET] },
      ]),
    });

  it('stamps each job with the name of the instance whose secret signed it, and logs that name', async () => {
    const s = twoInstances();
    const sent = [
      { secret: TEST_SIGNING_SECRET, id: newId(), instance: 'prod' },
      { secret: OTHER_SIGNING_SECRET, id: newId(), instance: 'dev' },
      { secret: ROTATED_SECRET, id: newId(), instance: 'prod' },
    ];
    for (const { secret, id } of sent) {
      expect((await s.post(body, svixHeaders(secret, id, body))).status).toBe(202);
    }
    expect(s.queue.calls.map((job) => [job.svixId, job.instance])).toEqual(
      sent.map(({ id, instance }) => [id, instance]),
    );
    for (const { id, instance } of sent) {
      expect(s.lines().find((l) => l.svixId === id)).toMatchObject({ msg: 'webhook accepted', instance });
    }
  });

  it('refuses a body signed with a secret of no configured instance, as before, and enqueues nothing', async () => {
    const s = twoInstances();
    const id = newId();
    const res = await s.post(body, svixHeaders(UNKNOWN_SECRET, id, body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_signature' });
    expect(s.queue.calls).toEqual([]);
    const line = s.lines().find((l) => l.svixId === id);
    expect(line).toMatchObject({ msg: 'webhook rejected', outcome: 'bad_signature' });
    expect(line?.instance).toBeUndefined();
  });

  it('never logs any instance secret', async () => {
    const s = twoInstances();
    for (const secret of [TEST_SIGNING_SECRET, OTHER_SIGNING_SECRET, UNKNOWN_SECRET]) {
      await s.post(body, svixHeaders(secret, newId(), body));
    }
    expect(s.logs).toHaveLength(3);
    for (const secret of [TEST_SIGNING_SECRET, ROTATED_SECRET, OTHER_SIGNING_SECRET, UNKNOWN_SECRET]) {
      for (const line of s.logs) expect(line).not.toContain(secret.slice('whsec_'.length));
    }
  });
});

describe('POST /webhooks/clerk when the queue cannot take the job', () => {
  it('answers 503 unavailable when Redis is away, so that Svix retries, and logs it as an error', async () => {
    const s = setup();
    s.queue.behave('unavailable');
    const id = newId();
    const res = await s.post(body, svixHeaders(TEST_SIGNING_SECRET, id, body));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'unavailable', message: 'queue unavailable, retry later' });
    expect(s.lines().find((l) => l.svixId === id)).toMatchObject({ level: 50, msg: 'webhook not stored' });
    expect(s.outcomes.map((o) => o.outcome)).toEqual(['unavailable']);
  });

  it('answers 503 when Redis does not confirm within the enqueue timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = setup();
    s.queue.behave('hangs');
    let answered = false;
    const pending = s.post(body, svixHeaders(TEST_SIGNING_SECRET, newId(), body)).finally(() => {
      answered = true;
    });
    await vi.advanceTimersByTimeAsync(ENQUEUE_TIMEOUT_MS - 1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const res = await pending;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'unavailable' });
  });

  it.each([
    ['Redis refuses the job', 'rejected'],
    ['the enqueue fails in an unexpected way', 'throws'],
  ] as const)('answers 422 unprocessable, never 503, when %s', async (_name, behaviour) => {
    const s = setup();
    s.queue.behave(behaviour);
    const res = await s.post(body, svixHeaders(TEST_SIGNING_SECRET, newId(), body));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: 'unprocessable',
      message: 'the event cannot be stored as a job',
    });
  });
});

describe('other routes', () => {
  it('answers 404 for other paths and 405 with Allow: POST for other methods', async () => {
    const s = setup();
    expect((await s.app.request('/webhooks/other', { method: 'POST' })).status).toBe(404);
    const get = await s.app.request('/webhooks/clerk');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(s.queue.calls).toEqual([]);
  });

  it('reports live always, and ready only while the queue answers', async () => {
    const s = setup();
    expect((await s.app.request('/healthz')).status).toBe(200);
    expect((await s.app.request('/readyz')).status).toBe(200);
    s.setReady(false);
    const notReady = await s.app.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'redis unavailable' });
    expect((await s.app.request('/healthz')).status).toBe(200);
  });
});

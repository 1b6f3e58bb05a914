import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { UnrecoverableError, Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIngestEnv } from '../env.js';
import { createIngestService, type IngestService } from '../ingest-service.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PASSWORD = 'Xk2-ops-board-pass-9Lq';
const auth = `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`;
const silent = pino({ level: 'silent' });

/** What the issue's forged request adds: a user.updated from the year 2100 that would win every version guard. */
const forged = JSON.stringify({
  name: 'user.updated',
  data: {
    v: 1,
    svixId: 'msg_forged',
    receivedAt: 1,
    event: { type: 'user.updated', data: { id: 'user_victim', updated_at: 4102444800000 } },
  },
  options: { jobId: 'msg_forged' },
});

function service(env: Record<string, string> = {}): IngestService {
  return createIngestService(
    readIngestEnv({
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      REDIS_URL: redisUrl,
      QUEUE_NAME: `test-admin-${randomUUID()}`,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      ADMIN_USERNAME: 'ops',
      ADMIN_PASSWORD: PASSWORD,
      ...env,
    }),
    silent,
  );
}

async function bury(s: IngestService, svixId: string): Promise<void> {
  await s.deadLetters.dead.add(
    'user.updated',
    {
      payload: {
        v: 1,
        svixId,
        receivedAt: 1,
        event: {
          type: 'user.updated',
          data: { id: 'user_x', email_addresses: [{ email_address: 'victim@example.com' }] },
        },
      },
      failedReason: 'database rejected the event (22P05)',
      stacktrace: ['Error: …'],
      attemptsMade: 1,
      firstFailedAt: Date.parse('2026-11-24T08:00:00Z'),
      lastFailedAt: Date.parse('2026-11-24T08:00:00Z'),
      opts: { attempts: 3 },
    },
    { jobId: svixId },
  );
}

async function jobsIn(s: IngestService): Promise<number> {
  const counts = await s.queue.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** A request with a chosen `Host` header, which fetch() does not let a caller set. */
function raw(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the admin listener', () => {
  let s: IngestService;
  const admin = (path: string, init: RequestInit = {}, withAuth = true) => {
    if (!s.adminApp) throw new Error('admin listener is off');
    return s.adminApp.request(path, {
      ...init,
      headers: { ...(withAuth ? { authorization: auth } : {}), ...init.headers },
    });
  };
  /** What Bull Board's own page sends: same origin, and JSON or no body at all. */
  const sameOrigin = { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' };

  beforeAll(async () => {
    s = service();
    await bury(s, 'msg_dead_1');
    await bury(s, 'msg_dead_2');
  });
  afterAll(async () => {
    await s.queue.obliterate({ force: true });
    await s.deadLetters.dead.obliterate({ force: true });
    await s.close();
  });

  it('answers 401 on every route without credentials', async () => {
    for (const path of ['/admin/queues', '/admin/dead-letters', '/admin/queues/api/queues']) {
      const res = await admin(path, {}, false);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Basic');
    }
    const replay = await admin(
      '/admin/dead-letters/replay',
      { method: 'POST', body: '{"all":true}', headers: { 'content-type': 'application/json' } },
      false,
    );
    expect(replay.status).toBe(401);
    expect(await s.deadLetters.dead.getJobCountByTypes('waiting')).toBe(2);
  });

  it('refuses the forged text/plain add from a foreign page, with or without credentials, and adds nothing', async () => {
    for (const withAuth of [false, true]) {
      const res = await admin(
        `/admin/queues/api/queues/${s.queue.name}/add`,
        {
          method: 'POST',
          body: forged,
          headers: {
            'content-type': 'text/plain',
            origin: 'http://evil.example',
            'sec-fetch-site': 'cross-site',
          },
        },
        withAuth,
      );
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'cross_site_request' });
    }
    // Without Origin and Sec-Fetch-Site (an old browser), the text/plain body alone is refused.
    const bare = await admin(`/admin/queues/api/queues/${s.queue.name}/add`, {
      method: 'POST',
      body: forged,
      headers: { 'content-type': 'text/plain' },
    });
    expect(bare.status).toBe(415);
    expect(await jobsIn(s)).toBe(0);
  });

  it('refuses to add or edit a job even for a logged-in operator on the same origin', async () => {
    const json = { ...sameOrigin, 'content-type': 'application/json' };
    for (const path of [
      `/admin/queues/api/queues/${s.queue.name}/add`,
      `/admin/queues/api/queues/${s.deadLetters.dead.name}/add`,
    ]) {
      const res = await admin(path, { method: 'POST', body: forged, headers: json });
      expect(res.status, path).toBe(403);
    }
    // An encoded path reaches no other route.
    const encoded = await admin(`/admin/queues/api/queues/${s.queue.name}/%61dd`, {
      method: 'POST',
      body: forged,
      headers: json,
    });
    expect(encoded.status).toBeGreaterThanOrEqual(400);
    expect(await jobsIn(s)).toBe(0);

    // Rewriting a dead letter and replaying it would forge an event just the same.
    const edit = await admin(`/admin/queues/api/queues/${s.deadLetters.dead.name}/msg_dead_1/update-data`, {
      method: 'PATCH',
      body: JSON.stringify({
        jobData: { payload: { event: { type: 'user.updated', data: { id: 'evil' } } } },
      }),
      headers: json,
    });
    expect(edit.status).toBe(403);
    const letter = await s.deadLetters.dead.getJob('msg_dead_1');
    expect(letter?.data.payload.svixId).toBe('msg_dead_1');
  });

  it('answers a DNS-rebinding Host with 421 and no data, on reads and destructive writes alike', async () => {
    const rebound = { host: 'rebind.attacker.example:3001' };
    const attempts: Array<[string, string]> = [
      ['GET', '/admin/dead-letters'],
      ['GET', '/admin/queues/api/queues'],
      ['GET', `/admin/queues/api/queues/${s.deadLetters.dead.name}/msg_dead_1`],
      ['PUT', `/admin/queues/api/queues/${s.deadLetters.dead.name}/empty`],
      ['PUT', `/admin/queues/api/queues/${s.deadLetters.dead.name}/obliterate`],
      ['PUT', `/admin/queues/api/queues/${s.deadLetters.dead.name}/clean/waiting`],
    ];
    for (const [method, path] of attempts) {
      const res = await admin(path, { method, headers: rebound });
      expect(res.status, `${method} ${path}`).toBe(421);
      const body = await res.text();
      expect(body).not.toContain('victim@example.com');
      expect(body).not.toContain('msg_dead');
    }
    expect(await s.deadLetters.dead.getJobCountByTypes('waiting')).toBe(2);
  });

  it('refuses cross-site writes by Origin or Sec-Fetch-Site, and non-JSON bodies, before any replay', async () => {
    const replay = (headers: Record<string, string>, body = '{"all":true}') =>
      admin('/admin/dead-letters/replay', { method: 'POST', body, headers });
    const json = 'application/json';
    expect((await replay({ 'content-type': json, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await replay({ 'content-type': json, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await replay({ 'content-type': json, origin: 'null' })).status).toBe(403);
    expect((await replay({ 'content-type': json, origin: 'http://localhost:9999' })).status).toBe(403);
    expect((await replay({ ...sameOrigin, 'content-type': 'text/plain' })).status).toBe(415);
    expect(
      (await replay({ ...sameOrigin, 'content-type': 'application/x-www-form-urlencoded' }, 'all=true'))
        .status,
    ).toBe(415);
    expect(await s.deadLetters.dead.getJobCountByTypes('waiting')).toBe(2);
    expect(await jobsIn(s)).toBe(0);
  });

  it('forbids framing and caching on every answer', async () => {
    const answers = [
      await admin('/admin/queues'),
      await admin('/admin/queues', {}, false),
      await admin('/admin/queues', { headers: { host: 'rebind.attacker.example' } }),
      await admin('/admin/dead-letters/replay', {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
      }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 421, 403]);
    for (const res of answers) {
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('lists dead letters with their reason, paged', async () => {
    const res = await admin('/admin/dead-letters?limit=1');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { total: number; letters: Array<Record<string, unknown>> };
    expect(page.total).toBe(2);
    expect(page.letters).toEqual([
      {
        svixId: 'msg_dead_1',
        type: 'user.updated',
        reason: 'database rejected the event (22P05)',
        attemptsMade: 1,
        firstFailedAt: '2026-11-24T08:00:00.000Z',
        lastFailedAt: '2026-11-24T08:00:00.000Z',
      },
    ]);
    expect((await admin('/admin/dead-letters?limit=9999')).status).toBe(400);
  });

  it("retries a failed job with the bodyless PUT Bull Board's page sends", async () => {
    await s.queue.add(
      'user.updated',
      { v: 1, svixId: 'msg_failed_1', receivedAt: 1, event: { type: 'user.updated', data: { id: 'u' } } },
      { jobId: 'msg_failed_1', attempts: 1 },
    );
    const worker = new Worker(
      s.queue.name,
      async () => {
        throw new UnrecoverableError('postgres said no');
      },
      { connection: { url: redisUrl } },
    );
    await once(worker, 'failed');
    await worker.close();
    expect(await s.queue.getJobState('msg_failed_1')).toBe('failed');

    const res = await admin(`/admin/queues/api/queues/${s.queue.name}/msg_failed_1/retry`, {
      method: 'PUT',
      headers: sameOrigin,
    });
    expect(res.status).toBeLessThan(300);
    expect(await s.queue.getJobState('msg_failed_1')).toBe('waiting');
    await s.queue.remove('msg_failed_1');
  });

  it('keeps events on the main queue: no empty, obliterate, clean or remove, while completed jobs may go', async () => {
    const payload = { v: 1, receivedAt: 1, event: { type: 'user.updated', data: { id: 'u' } } };
    await s.queue.add('user.updated', { ...payload, svixId: 'msg_keep_1' }, { jobId: 'msg_keep_1' });
    const put = (path: string) =>
      admin(`/admin/queues/api/queues/${s.queue.name}${path}`, { method: 'PUT', headers: sameOrigin });
    for (const path of ['/empty', '/obliterate', '/clean/waiting', '/clean/failed', '/msg_keep_1/clean']) {
      const res = await put(path);
      expect(res.status, path).toBe(403);
    }
    expect(await s.queue.getJobState('msg_keep_1')).toBe('waiting');
    expect((await put('/clean/completed')).status).toBeLessThan(300);
    // The dead-letter queue is the operator's to tidy: removing a letter there is allowed.
    await bury(s, 'msg_dead_tidy');
    const tidy = await admin(`/admin/queues/api/queues/${s.deadLetters.dead.name}/msg_dead_tidy/clean`, {
      method: 'PUT',
      headers: sameOrigin,
    });
    expect(tidy.status).toBeLessThan(300);
    expect(await s.deadLetters.dead.getJob('msg_dead_tidy')).toBeUndefined();
    await s.queue.remove('msg_keep_1');
  });

  it('replays with the CLI selectors: dry run first, then for real', async () => {
    const post = (body: unknown) =>
      admin('/admin/dead-letters/replay', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    expect((await post({})).status).toBe(400);
    expect((await post({ all: true, bogus: 1 })).status).toBe(400);
    const dry = (await (await post({ svixIds: ['msg_dead_2'], dryRun: true })).json()) as {
      replayed: unknown[];
      dryRun: boolean;
    };
    expect(dry).toMatchObject({
      dryRun: true,
      replayed: [expect.objectContaining({ svixId: 'msg_dead_2' })],
    });
    expect(await s.queue.getJob('msg_dead_2')).toBeUndefined();
    const real = (await (await post({ svixIds: ['msg_dead_2'] })).json()) as { replayed: unknown[] };
    expect(real.replayed).toHaveLength(1);
    expect((await s.queue.getJob('msg_dead_2'))?.opts.attempts).toBe(3);
    expect(await s.deadLetters.dead.getJob('msg_dead_2')).toBeUndefined();
  });

  it('serves Bull Board behind the same credentials', async () => {
    const res = await admin('/admin/queues');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
  });
});

describe('the admin and metrics listeners over HTTP', () => {
  let s: IngestService;
  let adminPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    s = service();
    const ports = await s.listen();
    if (ports.adminPort === undefined) throw new Error('admin listener is off');
    adminPort = ports.adminPort;
    metricsPort = ports.metricsPort;
    await bury(s, 'msg_dead_http');
  });
  afterAll(async () => {
    await s.queue.obliterate({ force: true });
    await s.deadLetters.dead.obliterate({ force: true });
    await s.close();
  });

  it('answers a rebinding Host over a real socket with 421, and the loopback name with data', async () => {
    const rebound = await raw(adminPort, {
      path: '/admin/dead-letters',
      headers: { host: `rebind.attacker.example:${adminPort}`, authorization: auth },
    });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('msg_dead_http');
    const local = await raw(adminPort, {
      path: '/admin/dead-letters',
      headers: { host: `localhost:${adminPort}`, authorization: auth },
    });
    expect(local.status).toBe(200);
    expect(local.body).toContain('msg_dead_http');
  });

  it('slows repeated failed logins from one client: 429 with Retry-After, even for the right password', async () => {
    const wrong = `Basic ${Buffer.from('ops:not-the-password-at-all').toString('base64')}`;
    const get = (authorization: string) =>
      fetch(`http://127.0.0.1:${adminPort}/admin/dead-letters`, { headers: { authorization } });
    for (let i = 0; i < 5; i++) expect((await get(wrong)).status).toBe(401);
    const locked = await get(auth);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, Number(locked.headers.get('retry-after')) * 1000 + 100));
    expect((await get(auth)).status).toBe(200);
  });

  it('serves metrics on their own listener, without credentials and read-only', async () => {
    const body = JSON.stringify({ type: 'user.created', data: { id: 'user_m' } });
    const send = (id: string, payload: string) =>
      s.app.request('/webhooks/clerk', {
        method: 'POST',
        body: payload,
        headers: svixHeaders(TEST_SIGNING_SECRET, id, body),
      });
    await send('msg_m1', body);
    await send('msg_m1', body);
    await send('msg_m2', `${body} `);

    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('clerk_sync_webhooks_received_total{type="user.created",outcome="enqueued"} 1');
    expect(text).toContain('clerk_sync_webhooks_received_total{type="user.created",outcome="duplicate"} 1');
    expect(text).toContain('clerk_sync_webhooks_received_total{type="unknown",outcome="bad_signature"} 1');
    expect(text).toMatch(/clerk_sync_ingest_request_duration_seconds_count\{outcome="enqueued"\} 1/);
    expect(text).toContain(`clerk_sync_queue_jobs{queue="${s.queue.name}",state="waiting"} 1`);
    expect(text).toContain(`clerk_sync_queue_jobs{queue="${s.queue.name}",state="dead"} 1`);
    expect(text).not.toContain('user_m');

    expect(
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST', body: '{}' })).status,
    ).toBe(405);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/admin/dead-letters`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/admin/queues`)).status).toBe(404);
  });
});

describe('without ADMIN_PASSWORD', () => {
  it('keeps the admin listener off rather than serve without authentication', async () => {
    const s = service({ ADMIN_PASSWORD: '', ADMIN_HOST: '0.0.0.0' });
    try {
      expect(s.adminApp).toBeUndefined();
      const ports = await s.listen();
      expect(ports.adminPort).toBeUndefined();
      expect((await fetch(`http://127.0.0.1:${ports.metricsPort}/metrics`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('the ingest process', () => {
  const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

  it.each([
    ['a template placeholder', 'REPLACE_ME', /ADMIN_PASSWORD: looks like a template placeholder/],
    ['a short password', 'Xk2-9Lq', /ADMIN_PASSWORD: must be at least 16 characters/],
  ])('exits 1 at start on %s, naming the variable and not the value', async (_name, password, message) => {
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        REDIS_URL: redisUrl,
        PORT: '0',
        ADMIN_PORT: '0',
        METRICS_PORT: '0',
        ADMIN_PASSWORD: password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toContain(password);
  });
});

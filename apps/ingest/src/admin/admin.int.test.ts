import { randomUUID } from 'node:crypto';
import { svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIngestEnv } from '../env.js';
import { createIngestService, type IngestService } from '../ingest-service.js';
import { adminCredentials } from './admin-app.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const auth = `Basic ${Buffer.from('ops:s3cret-pass').toString('base64')}`;

describe('the admin listener', () => {
  let s: IngestService;
  beforeAll(async () => {
    s = createIngestService(
      readIngestEnv({
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        REDIS_URL: redisUrl,
        QUEUE_NAME: `test-admin-${randomUUID()}`,
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: 's3cret-pass',
      }),
      pino({ level: 'silent' }),
    );
    // Two dead letters, as the worker would bury them.
    for (const id of ['msg_dead_1', 'msg_dead_2']) {
      await s.deadLetters.dead.add(
        'user.updated',
        {
          payload: {
            v: 1,
            svixId: id,
            receivedAt: 1,
            event: { type: 'user.updated', data: { id: 'user_x' } },
          },
          failedReason: 'database rejected the event (22P05)',
          stacktrace: ['Error: …'],
          attemptsMade: 1,
          firstFailedAt: Date.parse('2026-11-24T08:00:00Z'),
          lastFailedAt: Date.parse('2026-11-24T08:00:00Z'),
          opts: { attempts: 3 },
        },
        { jobId: id },
      );
    }
  });
  afterAll(async () => {
    await s.queue.obliterate({ force: true });
    await s.deadLetters.dead.obliterate({ force: true });
    await s.close();
  });

  const admin = (path: string, init: RequestInit = {}, withAuth = true) =>
    s.adminApp.request(path, {
      ...init,
      headers: { ...(withAuth ? { authorization: auth } : {}), ...init.headers },
    });

  it('answers 401 on every route without credentials', async () => {
    for (const path of ['/metrics', '/admin/queues', '/admin/dead-letters']) {
      const res = await admin(path, {}, false);
      expect(res.status).toBe(401);
    }
    expect((await admin('/admin/dead-letters/replay', { method: 'POST', body: '{}' }, false)).status).toBe(
      401,
    );
  });

  it('exposes webhook counters, latency and queue depth that move with traffic', async () => {
    const body = JSON.stringify({ type: 'user.created', data: { id: 'user_m' } });
    await s.app.request('/webhooks/clerk', {
      method: 'POST',
      body,
      headers: svixHeaders(TEST_SIGNING_SECRET, 'msg_m1', body),
    });
    await s.app.request('/webhooks/clerk', {
      method: 'POST',
      body,
      headers: svixHeaders(TEST_SIGNING_SECRET, 'msg_m1', body),
    });
    await s.app.request('/webhooks/clerk', {
      method: 'POST',
      body: `${body} `,
      headers: svixHeaders(TEST_SIGNING_SECRET, 'msg_m2', body),
    });
    const text = await (await admin('/metrics')).text();
    expect(text).toContain('clerk_sync_webhooks_received_total{type="user.created",outcome="enqueued"} 1');
    expect(text).toContain('clerk_sync_webhooks_received_total{type="user.created",outcome="duplicate"} 1');
    expect(text).toContain('clerk_sync_webhooks_received_total{type="unknown",outcome="bad_signature"} 1');
    expect(text).toMatch(/clerk_sync_ingest_request_duration_seconds_count\{outcome="enqueued"\} 1/);
    expect(text).toContain(`clerk_sync_queue_jobs{queue="${s.queue.name}",state="waiting"} 1`);
    expect(text).toContain(`clerk_sync_queue_jobs{queue="${s.queue.name}",state="dead"} 2`);
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

  it('replays with the CLI selectors: dry run first, then for real', async () => {
    const post = (body: unknown) =>
      admin('/admin/dead-letters/replay', { method: 'POST', body: JSON.stringify(body) });
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

describe('admin credentials', () => {
  it('refuses to listen beyond loopback without credentials', () => {
    expect(() => adminCredentials({ host: '0.0.0.0', username: undefined, password: undefined })).toThrow(
      /ADMIN_USERNAME and ADMIN_PASSWORD/,
    );
    expect(adminCredentials({ host: '127.0.0.1', username: undefined, password: undefined })).toBeUndefined();
    expect(() => adminCredentials({ host: '127.0.0.1', username: 'a', password: undefined })).toThrow(/both/);
  });
});

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIngestEnv } from '../env.js';
import { createIngestService, type IngestService } from '../ingest-service.js';

/** Debian's Chromium, which `.ci/run` installs; never a browser that Playwright downloads. */
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('Bull Board in a real browser', () => {
  let s: IngestService;
  let browser: Browser;
  let base: string;
  const queueName = `test-board-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    expect(existsSync(executablePath), `${executablePath} missing: apt-get install -y chromium`).toBe(true);
    s = createIngestService(
      readIngestEnv({
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        REDIS_URL: redisUrl,
        QUEUE_NAME: queueName,
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_PORT: '0',
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: 'board-pass',
      }),
      pino({ level: 'silent' }),
    );
    const { adminPort } = await s.listen();
    base = `http://127.0.0.1:${adminPort}`;
    await s.deadLetters.dead.add(
      'user.updated',
      {
        payload: {
          v: 1,
          svixId: 'msg_dead_browser',
          receivedAt: 1,
          event: { type: 'user.updated', data: { id: 'u' } },
        },
        failedReason: 'invalid event: user.updated: data.updated_at: Invalid input',
        stacktrace: [],
        attemptsMade: 1,
        firstFailedAt: Date.now(),
        lastFailedAt: Date.now(),
        opts: { attempts: 15 },
      },
      { jobId: 'msg_dead_browser' },
    );
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.queue.obliterate({ force: true });
    await s?.deadLetters.dead.obliterate({ force: true });
    await s?.close();
  });

  it('refuses a visitor without credentials', async () => {
    const context = await browser.newContext();
    // A page navigation stops at the browser's own login prompt; the request shows the server's answer.
    const response = await context.request.get(`${base}/admin/queues`);
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toContain('Basic');
    await expect((await context.newPage()).goto(`${base}/admin/queues`)).rejects.toThrow(/AUTH/);
    await context.close();
  });

  it('logs in, shows the main and dead-letter queues, and the dead letter itself', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'ops', password: 'board-pass' },
    });
    const page = await context.newPage();
    await page.goto(`${base}/admin/queues`);
    await page.getByText(queueName, { exact: true }).first().waitFor({ timeout: 15_000 });
    await page.getByText(`${queueName}-dead`, { exact: true }).first().waitFor({ timeout: 15_000 });
    await page.goto(`${base}/admin/queues/queue/${queueName}-dead?status=waiting`);
    await page.getByText('msg_dead_browser').first().waitFor({ timeout: 15_000 });
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}bull-board-dead-letters.png`, fullPage: true });
    expect(existsSync(`${artifacts}bull-board-dead-letters.png`)).toBe(true);
    await context.close();
  });
});

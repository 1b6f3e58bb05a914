import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { UnrecoverableError, Worker } from 'bullmq';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIngestEnv } from '../env.js';
import { createIngestService, type IngestService } from '../ingest-service.js';

/** Debian's Chromium, provisioned by scripts/ensure-chromium.ts; never a browser that Playwright downloads. */
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PASSWORD = 'Tq7-board-browser-Zx4';

/** Bull Board's job actions are icons whose name shows only in a tooltip: hover each until it says `label`. */
async function clickIconButton(page: Page, label: string): Promise<void> {
  const triggers = page.locator('[data-base-ui-tooltip-trigger] button');
  const tooltip = page.locator('[data-base-ui-focusable]').filter({ hasText: new RegExp(`^${label}$`) });
  for (let i = 0; i < (await triggers.count()); i++) {
    await triggers.nth(i).hover();
    if (
      await tooltip.waitFor({ state: 'visible', timeout: 1500 }).then(
        () => true,
        () => false,
      )
    ) {
      await triggers.nth(i).click();
      return;
    }
  }
  throw new Error(`no button labelled ${label}`);
}

/**
 * The page an attacker would get the operator to open: a form that posts a forged event as
 * text/plain (the body reads as JSON) to Bull Board's add route, as the issue reported.
 */
function evilPage(target: string): string {
  const json = JSON.stringify({
    name: 'user.updated',
    data: {
      v: 1,
      svixId: 'msg_forged',
      receivedAt: 1,
      event: { type: 'user.updated', data: { id: 'user_victim', updated_at: 4102444800000 } },
    },
    options: { jobId: 'msg_forged' },
  });
  const name = `${json.slice(0, -1)},"pad":"`.replace(/'/g, '&#39;');
  return `<!doctype html><form method="POST" enctype="text/plain" action="${target}">
<input type="hidden" name='${name}' value='"}'></form><script>document.forms[0].submit()</script>`;
}

describe('Bull Board in a real browser', () => {
  let s: IngestService;
  let browser: Browser;
  let base: string;
  let evil: Server;
  let evilOrigin: string;
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
        METRICS_PORT: '0',
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: PASSWORD,
      }),
      pino({ level: 'silent' }),
    );
    const { adminPort } = await s.listen();
    base = `http://127.0.0.1:${adminPort}`;
    // Another site: "localhost" and "127.0.0.1" are different sites to the browser.
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(evilPage(`${base}/admin/queues/api/queues/${queueName}/add`));
    }).listen(0, '127.0.0.1');
    await once(evil, 'listening');
    evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`;
    // A job that failed for good, for the Retry button.
    await s.queue.add(
      'user.updated',
      {
        v: 1,
        svixId: 'msg_failed_browser',
        receivedAt: 1,
        event: { type: 'user.updated', data: { id: 'u' } },
      },
      { jobId: 'msg_failed_browser', attempts: 1 },
    );
    const worker = new Worker(
      queueName,
      async () => {
        throw new UnrecoverableError('postgres said no');
      },
      { connection: { url: redisUrl } },
    );
    await once(worker, 'failed');
    await worker.close();
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
    evil?.close();
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
      httpCredentials: { username: 'ops', password: PASSWORD },
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

  it('retries a failed job from the Retry button, and replays a dead letter with a same-origin JSON request', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: PASSWORD } });
    const page = await context.newPage();
    await page.goto(`${base}/admin/queues/queue/${queueName}?status=failed`);
    await page.getByText('msg_failed_browser').first().waitFor({ timeout: 15_000 });
    await clickIconButton(page, 'Retry');
    const confirm = page.getByRole('button', { name: 'Confirm', exact: true });
    if (await confirm.isVisible({ timeout: 2000 }).catch(() => false)) await confirm.click();
    await expect.poll(() => s.queue.getJobState('msg_failed_browser'), { timeout: 10_000 }).toBe('waiting');

    // The page's own origin may use the dead-letter API; the browser adds Origin and Sec-Fetch-Site.
    const replay = await page.evaluate(async () => {
      const res = await fetch('/admin/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ svixIds: ['msg_dead_browser'] }),
      });
      return { status: res.status, body: (await res.json()) as { replayed: unknown[] } };
    });
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toHaveLength(1);
    expect(await s.queue.getJobState('msg_dead_browser')).toBe('waiting');

    // Even the logged-in operator's own page cannot add a job.
    const add = await page.evaluate(async (queue) => {
      const res = await fetch(`api/queues/${queue}/add`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'user.updated', data: {}, options: { jobId: 'msg_added_by_page' } }),
      });
      return res.status;
    }, queueName);
    expect(add).toBe(403);
    expect(await s.queue.getJob('msg_added_by_page')).toBeUndefined();
    await context.close();
  });

  it('refuses the forged event that a page on another site posts through the logged-in browser', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: PASSWORD } });
    const page = await context.newPage();
    // Log in first, so the browser holds credentials for the admin listener, as an operator's would.
    expect((await page.goto(`${base}/admin/queues`))?.status()).toBe(200);
    const forged = page.waitForResponse((r) => r.url().endsWith('/add'));
    await page.goto(evilOrigin);
    const response = await forged;
    expect(response.request().method()).toBe('POST');
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'cross_site_request' });

    // The no-cors fetch variant: no preflight, no readable answer, and still nothing added.
    await page.evaluate(async (target) => {
      await fetch(target, {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        body: '{"name":"x","data":{}}',
      });
    }, `${base}/admin/queues/api/queues/${queueName}/add`);
    expect(await s.queue.getJob('msg_forged')).toBeUndefined();
    expect(await s.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(2);
    await context.close();
  });
});

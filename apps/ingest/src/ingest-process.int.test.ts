import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';

/** Runs the compiled service as production does (`pnpm test` builds first). */
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function start(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redisUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  return { child, output: () => output };
}

/** Reads the bound ports from the ingest's start line. */
async function ports(output: () => string): Promise<{ port: number; adminPort: number }> {
  for (let i = 0; i < 100; i++) {
    const line = /"port":(\d+).*"adminPort":(\d+)/.exec(output());
    if (line) return { port: Number(line[1]), adminPort: Number(line[2]) };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ingest did not start: ${output()}`);
}

/** Prints `loaded <url>` on stderr for every module the process loads from @bull-board. */
const reportBullBoard = `data:text/javascript,${encodeURIComponent(`
  import { registerHooks } from 'node:module';
  registerHooks({ load(url, context, next) {
    if (url.includes('/@bull-board/')) process.stderr.write('loaded ' + url + '\\n');
    return next(url, context);
  } });`)}`;

describe('the ingest process', () => {
  it('loads Bull Board on the first authenticated request to /admin/queues, not at start', async () => {
    const password = 'a-long-admin-password-for-tests';
    const { child, output } = start(
      {
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        QUEUE_NAME: `test-lazy-${randomUUID()}`,
        ADMIN_PASSWORD: password,
      },
      ['--import', reportBullBoard],
    );
    try {
      const { port, adminPort } = await ports(output);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const admin = `http://127.0.0.1:${adminPort}/admin/queues`;
      expect((await fetch(admin)).status).toBe(401);
      expect(output()).not.toContain('loaded ');
      const auth = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
      const page = await fetch(admin, { headers: auth });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      expect(output()).toContain('/@bull-board/api/');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits 1 and says what to set when the signing secret is missing', async () => {
    const { child, output } = start({});
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('CLERK_WEBHOOK_SIGNING_SECRET');
  });

  it('serves a signed webhook over HTTP and exits 0 on SIGTERM', async () => {
    const queueName = `test-proc-${randomUUID()}`;
    const { child, output } = start({
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      QUEUE_NAME: queueName,
    });
    const queue = new Queue(queueName, { connection: { url: redisUrl } });
    try {
      let port: number | undefined;
      for (let i = 0; i < 100 && port === undefined; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const match = /"port":(\d+)/.exec(output());
        if (match) port = Number(match[1]);
      }
      expect(port).toBeGreaterThan(0);
      const body = JSON.stringify({ type: 'user.updated', data: { id: 'user_proc' } });
      const id = `msg_${randomUUID()}`;
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/clerk`, {
        method: 'POST',
        body,
        headers: svixHeaders(TEST_SIGNING_SECRET, id, body),
      });
      expect(res.status).toBe(202);
      expect((await queue.getJob(id))?.name).toBe('user.updated');
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(output()).not.toContain(TEST_SIGNING_SECRET.slice(6));
    } finally {
      child.kill('SIGKILL');
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

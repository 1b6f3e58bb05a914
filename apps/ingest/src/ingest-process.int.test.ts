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

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [main], {
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

describe('the ingest process', () => {
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

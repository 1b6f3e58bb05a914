import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The deployments give Redis a password (and optionally TLS) only through REDIS_URL. This runs the
 * compiled ingest, as production does, against a private redis-server that requires both.
 */
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const password = randomBytes(18).toString('hex');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function startIngest(env: Record<string, string>): { child: ChildProcess; port: Promise<number> } {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      output += String(d);
      const match = /"port":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.stderr?.on('data', (d) => {
      output += String(d);
    });
    child.once('exit', (code) => reject(new Error(`ingest exited ${code}: ${output}`)));
  });
  return { child, port };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** Polls /readyz: the ingest reports ready only once Redis has answered its PING. */
async function readiness(port: number, attempts = 30): Promise<number> {
  let status = 0;
  for (let i = 0; i < attempts; i++) {
    status = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
    if (status === 200) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

async function deliver(port: number, svixId: string): Promise<number> {
  const body = JSON.stringify({ type: 'user.updated', data: { id: 'user_auth' } });
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/clerk`, {
    method: 'POST',
    body,
    headers: svixHeaders(TEST_SIGNING_SECRET, svixId, body),
  });
  return res.status;
}

describe('the ingest against a Redis that requires a password, over plain TCP and TLS', () => {
  let dir: string;
  let redis: ChildProcess;
  let plainPort: number;
  let tlsPort: number;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clerk-sync-redis-auth-'));
    ca = join(dir, 'cert.pem');
    const openssl = spawnSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
        ...[
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          ca,
        ],
      ],
      { encoding: 'utf8' },
    );
    expect(openssl.status, `openssl failed (apt-get install -y openssl): ${openssl.stderr}`).toBe(0);
    plainPort = await freePort();
    tlsPort = await freePort();
    redis = spawn(
      'redis-server',
      [
        ...['--port', String(plainPort), '--bind', '127.0.0.1', '--requirepass', password],
        ...['--tls-port', String(tlsPort), '--tls-cert-file', ca, '--tls-key-file', join(dir, 'key.pem')],
        ...['--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir],
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis({ port: plainPort, password, lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => {});
    for (let i = 0; i < 50; i++) {
      if (
        await probe.ping().then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await probe.ping()).toBe('PONG');
    probe.disconnect();
  });
  afterAll(async () => {
    redis?.kill('SIGTERM');
    if (redis) await once(redis, 'exit');
    rmSync(dir, { recursive: true, force: true });
  });

  const jobIn = async (queue: string, id: string) => {
    const client = new Redis({ port: plainPort, password });
    try {
      return await client.exists(`bull:${queue}:${id}`);
    } finally {
      client.disconnect();
    }
  };

  it('works with the password in REDIS_URL', async () => {
    const queue = `test-auth-${randomUUID()}`;
    const ingest = startIngest({
      REDIS_URL: `redis://:${password}@127.0.0.1:${plainPort}`,
      QUEUE_NAME: queue,
    });
    try {
      const port = await ingest.port;
      expect(await readiness(port)).toBe(200);
      expect(await deliver(port, 'msg_auth_1')).toBe(202);
      expect(await jobIn(queue, 'msg_auth_1')).toBe(1);
    } finally {
      await stop(ingest.child);
    }
  });

  it('stores nothing and answers 503 without it', async () => {
    const queue = `test-auth-${randomUUID()}`;
    const ingest = startIngest({ REDIS_URL: `redis://127.0.0.1:${plainPort}`, QUEUE_NAME: queue });
    try {
      const port = await ingest.port;
      expect(await readiness(port, 5)).toBe(503);
      expect(await deliver(port, 'msg_noauth_1')).toBe(503);
      expect(await jobIn(queue, 'msg_noauth_1')).toBe(0);
    } finally {
      await stop(ingest.child);
    }
  });

  it('works over TLS with rediss://, trusting the server through NODE_EXTRA_CA_CERTS', async () => {
    const queue = `test-auth-${randomUUID()}`;
    const ingest = startIngest({
      REDIS_URL: `rediss://:${password}@localhost:${tlsPort}`,
      QUEUE_NAME: queue,
      NODE_EXTRA_CA_CERTS: ca,
    });
    try {
      const port = await ingest.port;
      expect(await readiness(port)).toBe(200);
      expect(await deliver(port, 'msg_tls_1')).toBe(202);
      expect(await jobIn(queue, 'msg_tls_1')).toBe(1);
    } finally {
      await stop(ingest.child);
    }
  });
});

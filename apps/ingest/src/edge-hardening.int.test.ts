import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { svixHeaders, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The compiled service, as production runs it (`pnpm test` builds first). */
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const MiB = 1024 * 1024;

interface Ingest {
  child: ChildProcess;
  port: number;
  queueName: string;
  /** Everything the process printed so far. */
  output: () => string;
}

async function startIngest(env: Record<string, string>): Promise<Ingest> {
  const queueName = `test-edge-${randomUUID()}`;
  let output = '';
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
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
  for (let i = 0; i < 100; i++) {
    const match = /"port":(\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]), queueName, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the ingest did not start:\n${output}`);
}

async function stopIngest(ingest: Ingest | undefined): Promise<void> {
  if (!ingest) return;
  ingest.child.kill('SIGKILL');
  const queue = new Queue(ingest.queueName, { connection: { url: redisUrl } });
  await queue.obliterate({ force: true });
  await queue.close();
}

/** What a raw TCP client saw: the status line's code, the whole answer, and when the server closed. */
interface Exchange {
  status: number | undefined;
  answer: string;
  closedAfterMs: number;
  answeredAfterMs: number | undefined;
  bytesSent: number;
}

/**
 * Opens a raw connection, lets `send` write to it, and resolves when the server closes it. Raw sockets,
 * not fetch, so a test controls exactly what arrives and when, and sees what the server does to it.
 */
function exchange(
  port: number,
  send: (socket: Socket, sent: (n: number) => void) => void,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let answeredAfterMs: number | undefined;
    let bytesSent = 0;
    socket.on('data', (d) => {
      answeredAfterMs ??= performance.now() - started;
      answer += String(d);
    });
    // A server that stops reading resets the connection under a client still writing: expected here.
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({
        status: status ? Number(status) : undefined,
        answer,
        closedAfterMs: performance.now() - started,
        answeredAfterMs,
        bytesSent,
      });
    });
    socket.on('connect', () =>
      send(socket, (n) => {
        bytesSent += n;
      }),
    );
  });
}

function head(headers: Record<string, string>, extra: Record<string, string> = {}): string {
  const lines = Object.entries({ host: 'localhost', ...headers, ...extra }).map(([k, v]) => `${k}: ${v}`);
  return `POST /webhooks/clerk HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Headers that pass every check but the HMAC: fresh, well formed, signed over another body. */
function badSignatureHeaders(): Record<string, string> {
  return svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, 'another body');
}

function staleHeaders(): Record<string, string> {
  return svixHeaders(TEST_SIGNING_SECRET, `msg_${randomUUID()}`, 'x', new Date(Date.now() - 10 * 60_000));
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the edge under slow and hostile clients', () => {
  let ingest: Ingest | undefined;
  const timeouts = {
    HTTP_REQUEST_TIMEOUT_MS: '1500',
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    HTTP_KEEPALIVE_TIMEOUT_MS: '1000',
    HTTP_MAX_CONNECTIONS: '20',
  };
  beforeAll(async () => {
    ingest = await startIngest(timeouts);
  });
  afterAll(() => stopIngest(ingest));
  const port = () => ingest?.port ?? 0;

  it('closes a connection whose body trickles in, within the request timeout', async () => {
    let timer: NodeJS.Timeout | undefined;
    const result = await exchange(port(), (socket, sent) => {
      const text = head(badSignatureHeaders(), { 'content-length': '1000' });
      socket.write(text);
      sent(text.length);
      timer = setInterval(() => {
        if (socket.writable) socket.write('x', () => sent(1));
      }, 200);
    });
    clearInterval(timer);
    // 1.5 s timeout, checked every second by Node; Node's default would have been 300 s.
    expect(result.closedAfterMs).toBeGreaterThan(1000);
    expect(result.closedAfterMs).toBeLessThan(4000);
    expect(result.bytesSent).toBeLessThan(1000 + 300);
    expect(result.status === undefined || result.status === 408).toBe(true);
  });

  it('closes a connection whose headers trickle in, within the headers timeout', async () => {
    let timer: NodeJS.Timeout | undefined;
    const result = await exchange(port(), (socket) => {
      socket.write('POST /webhooks/clerk HTTP/1.1\r\nhost: localhost\r\n');
      timer = setInterval(() => {
        if (socket.writable) socket.write('x');
      }, 200);
    });
    clearInterval(timer);
    expect(result.closedAfterMs).toBeLessThan(3500);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const result = await exchange(port(), (socket) => {
      socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n');
    });
    expect(result.status).toBe(200);
    const idle = result.closedAfterMs - (result.answeredAfterMs ?? 0);
    expect(idle).toBeGreaterThan(800);
    expect(idle).toBeLessThan(4000);
  });

  it('answers a stale request that declares a body under the limit before any of it is sent, and closes', async () => {
    const result = await exchange(port(), (socket) => {
      socket.write(head(staleHeaders(), { 'content-length': String(200 * 1024) }));
    });
    expect(result.status).toBe(400);
    expect(result.answer).toContain('"error":"stale_timestamp"');
    expect(result.answer.toLowerCase()).toContain('connection: close');
    // Well before the request timeout: the server did not wait for the body.
    expect(result.closedAfterMs).toBeLessThan(800);
  });

  it('drains a small unread body after refusing it, so the answer arrives and the connection stays usable', async () => {
    const result = await exchange(port(), (socket) => {
      socket.write(head(staleHeaders(), { 'content-length': '1024' }));
      socket.write('x'.repeat(1024));
    });
    expect(result.status).toBe(400);
    expect(result.answer.toLowerCase()).not.toContain('connection: close');
    // Kept alive until the keep-alive timeout, not closed with the answer.
    expect(result.closedAfterMs - (result.answeredAfterMs ?? 0)).toBeGreaterThan(800);
  });

  it('answers 413 at once when the declared length is over the limit, and closes', async () => {
    const result = await exchange(port(), (socket) => {
      socket.write(head(badSignatureHeaders(), { 'content-length': String(MiB) }));
    });
    expect(result.status).toBe(413);
    expect(result.closedAfterMs).toBeLessThan(800);
  });

  it('drops connections beyond HTTP_MAX_CONNECTIONS, and serves again once one closes', async () => {
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const socket = connect(port(), '127.0.0.1');
        socket.on('error', () => {});
        held.push(socket);
        await once(socket, 'connect');
      }
      await sleep(100);
      const refused = await exchange(port(), (socket) => {
        socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
      });
      expect(refused.status).toBeUndefined();
      held.pop()?.destroy();
      await sleep(100);
      const served = await exchange(port(), (socket) => {
        socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
      });
      expect(served.status).toBe(200);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});

type Hostile = 'stale' | 'unsigned' | 'missing headers' | 'bad signature' | 'bad signature, chunked';

/** Expected answers; a client still sending when the server closes may get a reset instead. */
const answerOf: Record<Hostile, number> = {
  stale: 400,
  unsigned: 400,
  'missing headers': 400,
  'bad signature': 413,
  'bad signature, chunked': 413,
};

/** Sends one 1 MiB body of the given kind, all of it, as fast as the server lets it. */
describe('the admin listener under slow clients', () => {
  let ingest: Ingest | undefined;
  let adminPort = 0;
  beforeAll(async () => {
    ingest = await startIngest({
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_KEEPALIVE_TIMEOUT_MS: '1000',
      ADMIN_PASSWORD: 'k7Qz-2vLp9xWm4Rt8sNb',
    });
    // The start line names every bound port; the admin one is there only because a password is set.
    for (let i = 0; i < 50 && adminPort === 0; i++) {
      adminPort = Number(/"adminPort":(\d+)/.exec(ingest.output())?.[1] ?? 0);
      if (adminPort === 0) await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => stopIngest(ingest));

  it('closes a connection whose headers trickle in, as the webhook listener does', async () => {
    expect(adminPort).toBeGreaterThan(0);
    let timer: NodeJS.Timeout | undefined;
    const result = await exchange(adminPort, (socket) => {
      socket.write('GET /admin/queues HTTP/1.1\r\nhost: localhost\r\n');
      timer = setInterval(() => {
        if (socket.writable) socket.write('x');
      }, 200);
    });
    clearInterval(timer);
    expect(result.closedAfterMs).toBeLessThan(3500);
  });
});

function sendHostile(port: number, kind: Hostile, body: Buffer): Promise<Exchange> {
  return exchange(port, (socket) => {
    const length = { 'content-length': String(body.length) };
    if (kind === 'stale') socket.write(head(staleHeaders(), length));
    else if (kind === 'unsigned')
      socket.write(head({ ...badSignatureHeaders(), 'svix-signature': 'v2,none' }, length));
    else if (kind === 'missing headers') socket.write(head({ 'content-type': 'application/json' }, length));
    else if (kind === 'bad signature') socket.write(head(badSignatureHeaders(), length));
    else {
      socket.write(head(badSignatureHeaders(), { 'transfer-encoding': 'chunked' }));
      socket.write(`${body.length.toString(16)}\r\n`);
    }
    socket.write(body);
    if (kind === 'bad signature, chunked') socket.write('\r\n0\r\n\r\n');
  });
}

/**
 * Sends 100 concurrent 1 MiB bodies and returns the growth of the ingest's peak RSS over its RSS
 * before the burst, after checking every answer received.
 */
async function burst(ingest: Ingest, kinds: readonly Hostile[]): Promise<number> {
  const pid = ingest.child.pid ?? 0;
  const body = Buffer.alloc(MiB, 'x');
  // Warm up the paths first, so the measure is of buffering, not of code loading.
  await Promise.all(
    kinds.flatMap((k) => [sendHostile(ingest.port, k, body), sendHostile(ingest.port, k, body)]),
  );
  await sleep(300);
  // Reset the peak ("high water mark"), so that VmHWM covers the burst only.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = status(pid, 'VmRSS');
  const sent = Array.from({ length: 100 }, (_, i) => kinds[i % kinds.length] ?? 'stale');
  const results = await Promise.all(sent.map((kind) => sendHostile(ingest.port, kind, body)));
  const growth = status(pid, 'VmHWM') - before;
  let answered = 0;
  for (const [i, r] of results.entries()) {
    if (r.status === undefined) continue;
    answered += 1;
    expect(r.status, sent[i]).toBe(answerOf[sent[i] ?? 'stale']);
  }
  expect(answered).toBeGreaterThan(0);
  console.info(
    `${kinds.join(' / ')}: RSS ${(before / MiB).toFixed(1)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB over 100 MiB sent; ${answered} answers read before a reset`,
  );
  const health = await exchange(ingest.port, (s) =>
    s.write('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
  );
  expect(health.status).toBe(200);
  return growth;
}

describe('memory under 100 concurrent 1 MiB hostile bodies', () => {
  let defaults: Ingest | undefined;
  let oneMiBLimit: Ingest | undefined;
  beforeAll(async () => {
    // Default limits: BODY_LIMIT_BYTES 256 KiB, 1,000 connections.
    defaults = await startIngest({});
    // A limit that lets 1 MiB in, so that only the order of the checks keeps these bodies out.
    oneMiBLimit = await startIngest({ BODY_LIMIT_BYTES: String(MiB) });
  });
  afterAll(async () => {
    await stopIngest(defaults);
    await stopIngest(oneMiBLimit);
  });

  // Reading the bodies before the checks (as the ingest did) added 137 MiB here; refusing them unread, about 14.
  it('refuses stale, unsigned and header-less bodies without reading them, even when the limit allows 1 MiB', async () => {
    if (!oneMiBLimit) throw new Error('not started');
    expect(await burst(oneMiBLimit, ['stale', 'unsigned', 'missing headers'])).toBeLessThan(40 * MiB);
  });

  it('refuses bad-signature bodies over the default limit at 256 KiB at most, declared or chunked', async () => {
    if (!defaults) throw new Error('not started');
    expect(await burst(defaults, ['bad signature', 'bad signature, chunked'])).toBeLessThan(40 * MiB);
  });

  it('keeps a body sent one byte per chunk in 16 KiB segments, not one buffer per chunk', async () => {
    if (!defaults) throw new Error('not started');
    const pid = defaults.child.pid ?? 0;
    // 200 KiB, under the limit, so the whole body is read before the signature is checked.
    const bytes = 200 * 1024;
    const wire = Buffer.from(`${'1\r\nx\r\n'.repeat(bytes)}0\r\n\r\n`);
    const send = () =>
      exchange(defaults?.port ?? 0, (socket) => {
        socket.write(head(badSignatureHeaders(), { 'transfer-encoding': 'chunked', connection: 'close' }));
        socket.write(wire);
      });
    await send();
    await sleep(300);
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const before = status(pid, 'VmRSS');
    const results = await Promise.all(Array.from({ length: 20 }, send));
    const growth = status(pid, 'VmHWM') - before;
    console.info(`20 bodies of 200 KiB in one-byte chunks: peak RSS growth ${(growth / MiB).toFixed(1)} MiB`);
    for (const r of results) expect(r.status).toBe(400);
    // Segments: about 4 MiB for all 20 bodies. One buffer a chunk held tens of MiB per body.
    expect(growth).toBeLessThan(40 * MiB);
  });
});

import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { QUERY_GRACE_MS } from '@clerk-sync/db';
import { testDatabaseUrl } from '@clerk-sync/db/testing';
import { makeEvent } from '@clerk-sync/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';
import { runClerkSync } from '../test/run-clerk-sync.js';

/**
 * A TCP proxy to Postgres that can go silent: while stalled it keeps every connection open and
 * accepts new ones, but passes no byte either way, like a server or network path that hangs.
 * `resume()` resets the connections that were stalled and forwards again.
 */
class StallingProxy {
  readonly #target = new URL(testDatabaseUrl);
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #stalled = false;
  port = 0;

  async start(): Promise<number> {
    this.#server = createServer((client) => {
      this.#track(client);
      if (this.#stalled) return;
      const upstream = connect(Number(this.#target.port || 5432), this.#target.hostname);
      this.#track(upstream);
      const pair = (from: Socket, to: Socket) => {
        from.on('data', (chunk) => {
          if (!this.#stalled) to.write(chunk);
        });
        from.on('close', () => to.destroy());
      };
      pair(client, upstream);
      pair(upstream, client);
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  get url(): string {
    const url = new URL(testDatabaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  stall(): void {
    this.#stalled = true;
  }

  resume(): void {
    for (const s of this.#sockets) s.destroy();
    this.#stalled = false;
  }

  async close(): Promise<void> {
    this.resume();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
  }
}

describe('timeouts against a Postgres that accepts TCP and never answers', () => {
  const proxy = new StallingProxy();
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('`clerk-sync migrate` exits 1 within the connect timeout instead of hanging', async () => {
    proxy.stall();
    const run = await runClerkSync(
      ['migrate'],
      { DATABASE_URL: proxy.url, DB_SCHEMA: 't_never', DB_CONNECT_TIMEOUT_MS: '1000' },
      20_000,
    );
    proxy.resume();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^migrate failed: .*timeout/im);
    // The timeout itself, plus starting Node and loading the CLI.
    expect(run.ms).toBeLessThan(5_000);
  });

  it('fails a worker batch whose server stops answering, and retries it once the server is back', async () => {
    const statementMs = 1_000;
    harness = await startHarness({
      backend: 'postgres',
      databaseUrl: proxy.url,
      workerEnv: { DB_STATEMENT_TIMEOUT_MS: String(statementMs), DB_CONNECT_TIMEOUT_MS: '1000' },
    });
    const run = randomUUID().slice(0, 8);
    const before = { kind: 'user' as const, id: `user_before_${run}`, createdAt: 1 };
    const during = { kind: 'user' as const, id: `user_during_${run}`, createdAt: 1 };
    expect(await harness.deliver(makeEvent(before, 'created', 1))).toBe(202);
    await harness.idle();

    const failures: Array<{ ms: number; reason: string }> = [];
    const stalledAt = performance.now();
    harness.worker.worker.on('failed', (_job, err) => {
      failures.push({ ms: performance.now() - stalledAt, reason: err.message });
    });
    proxy.stall();
    const svixId = `msg_during_${run}`;
    expect(await harness.deliver(makeEvent(during, 'created', 1), svixId)).toBe(202);
    await waitFor(async () => failures.length > 0, 20_000, 'the stalled batch to fail');
    // statement_timeout cannot fire on a server that does not answer; the client-side limit does.
    expect(failures[0]?.ms).toBeLessThan(statementMs + QUERY_GRACE_MS + 3_000);
    const job = await harness.ingest.queue.getJob(svixId);
    expect(job?.attemptsMade).toBeGreaterThanOrEqual(1);
    expect(await job?.getState()).toMatch(/delayed|waiting|active/);

    proxy.resume();
    await harness.idle(30_000);
    const rows = await harness.worker.database.db.selectFrom('users').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual([before.id, during.id]);
  });
});

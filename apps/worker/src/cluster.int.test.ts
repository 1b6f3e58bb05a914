import { randomUUID } from 'node:crypto';
import { sql, testDatabaseUrl } from '@clerk-sync/db/testing';
import { isScrubbed, parseRedisClusterNodes } from '@clerk-sync/queue';
import { generateHistory, LocalRedisCluster, TcpProxy } from '@clerk-sync/testkit';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';
import { replayCommand } from './cli/replay.js';
import { connectWorkerRedis } from './worker-redis.js';

/**
 * The pipeline through a real Redis Cluster: three masters started from `redis-server` on loopback,
 * with a password. The apps get `REDIS_CLUSTER_NODES`; their `REDIS_URL` points at a closed port and
 * serves only for the password, so nothing here can pass on a plain connection. Each test's queue
 * carries a hash tag chosen to live on a master other than the first seed, so the clients must follow
 * the cluster's slot map to reach it.
 */

const password = `pw-${randomUUID()}`;
const clusterUrl = `redis://:${password}@127.0.0.1:1`;
let cluster: LocalRedisCluster;
let harness: Harness | undefined;

beforeAll(async () => {
  cluster = await LocalRedisCluster.start({ masters: 3, password });
});
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The master (by port) that owns each slot range, from `CLUSTER NODES`. */
async function slotOwners(): Promise<Array<{ port: number; from: number; to: number }>> {
  const text = await cluster.cli(cluster.ports[0] ?? 0, 'CLUSTER', 'NODES');
  return text
    .trim()
    .split('\n')
    .flatMap((line) => {
      const fields = line.split(' ');
      const port = Number(fields[1]?.split('@')[0]?.split(':')[1]);
      return fields.slice(8).map((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return { port, from: from ?? -1, to: to ?? -1 };
      });
    });
}

async function ownerOf(tag: string): Promise<number> {
  const slot = Number((await cluster.cli(cluster.ports[0] ?? 0, 'CLUSTER', 'KEYSLOT', tag)).trim());
  const owner = (await slotOwners()).find((r) => slot >= r.from && slot <= r.to);
  if (!owner) throw new Error(`no owner for slot ${slot}`);
  return owner.port;
}

/** A queue name whose hash tag lives on the master at `port`. */
async function queueOn(port: number): Promise<{ queueName: string; tag: string }> {
  for (let i = 0; i < 1000; i++) {
    const tag = `clerk-${randomUUID().slice(0, 8)}`;
    if ((await ownerOf(tag)) === port) return { queueName: `{${tag}}-events`, tag };
  }
  throw new Error(`no tag found on ${port}`);
}

/** The keys of every queue with this tag (main and dead letters), per master. */
async function queueKeysByNode(tag: string): Promise<Map<number, string[]>> {
  const byNode = new Map<number, string[]>();
  for (const port of cluster.ports) {
    const out = (await cluster.cli(port, 'KEYS', `bull:{${tag}}*`)).trim();
    byNode.set(port, out === '' ? [] : out.split('\n'));
  }
  return byNode;
}

function shuffledWithDuplicates<T>(items: T[]): T[] {
  const out = items.flatMap((x, i) => (i % 3 === 0 ? [x, x, x] : [x]));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const adminPassword = `Cluster-board-${randomUUID()}`;
const admin = (h: Harness, path: string) =>
  h.ingest.adminApp?.request(path, {
    headers: { authorization: `Basic ${Buffer.from(`ops:${adminPassword}`).toString('base64')}` },
  }) ?? Promise.reject(new Error('admin listener is off'));

const inboxIds = async (h: Harness) =>
  (await h.worker.database.db.selectFrom('webhook_events').select('svix_id').execute()).map((r) => r.svix_id);

describe('the pipeline through a three-master Redis Cluster', () => {
  it('is a real cluster: three masters, every slot covered, each master owning a share', async () => {
    const owners = await slotOwners();
    expect(new Set(owners.map((r) => r.port))).toEqual(new Set(cluster.ports));
    expect(owners.reduce((n, r) => n + (r.to - r.from + 1), 0)).toBe(16_384);
    expect(await cluster.cli(cluster.ports[1] ?? 0, 'CLUSTER', 'INFO')).toContain('cluster_size:3');
  });

  it('warns at start when any master, not only the one first asked, may evict keys', async () => {
    const last = cluster.ports[2] ?? 0;
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const target = { url: clusterUrl, clusterNodes: parseRedisClusterNodes(`127.0.0.1:${cluster.ports[0]}`) };
    const clean = await connectWorkerRedis(target, logger);
    clean.disconnect();
    expect(lines.join('')).not.toContain('maxmemory-policy');
    await cluster.cli(last, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const evicting = await connectWorkerRedis(target, logger);
      evicting.disconnect();
      const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40);
      expect(warning).toMatchObject({
        policy: 'allkeys-lru',
        msg: expect.stringContaining('not noeviction'),
      });
    } finally {
      await cluster.cli(last, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('turns a shuffled, duplicated history into in-order rows, each svix-id applied once', async () => {
    const [seed, , owner = 0] = cluster.ports;
    const { queueName, tag } = await queueOn(owner);
    harness = await startHarness({
      backend: 'postgres',
      // One seed: the clients must discover the master that owns the queue's slot.
      sharedEnv: { REDIS_URL: clusterUrl, REDIS_CLUSTER_NODES: `127.0.0.1:${seed}`, QUEUE_NAME: queueName },
    });
    const h = harness;
    const run = randomUUID().slice(0, 8);
    const history = generateHistory({
      users: 12,
      organizations: 4,
      memberships: 12,
      maxUpdates: 4,
      deleteRate: 0.3,
      seed: 20,
      prefix: run,
    });
    const statuses = await Promise.all(
      shuffledWithDuplicates(history.events).map((e) => h.deliver(e.envelope, e.svixId)),
    );
    expect(statuses.every((s) => s === 202 || s === 200)).toBe(true);
    await waitFor(
      async () => (await inboxIds(h)).length >= history.events.length,
      30_000,
      'every event in the inbox',
    );
    await h.idle();

    // Verdict 1: the tables equal the history applied once, in order.
    const tables = {
      user: 'users',
      organization: 'organizations',
      organization_membership: 'organization_memberships',
    };
    for (const [kind, table] of Object.entries(tables)) {
      const { rows } = await sql<{ id: string; version: string; deleted_at: Date | null }>`
        SELECT id, version, deleted_at FROM ${sql.table(`${h.schema}.${table}`)} ORDER BY id`.execute(
        h.worker.database.db,
      );
      const actual = rows.map((r) => ({
        id: r.id,
        version: Number(r.version),
        deleted: r.deleted_at !== null,
      }));
      const expected = history.expected
        .filter((e) => e.kind === kind)
        .map((e) => ({ id: e.id, version: e.version, deleted: e.deleted }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(expected.length).toBeGreaterThan(0);
      expect(actual, table).toEqual(expected);
    }
    // Verdict 2: every svix-id in the inbox exactly once; no dead letter.
    const ids = await inboxIds(h);
    expect(ids.length).toBe(history.events.length);
    expect(new Set(ids)).toEqual(new Set(history.events.map((e) => e.svixId)));
    expect(await h.worker.deadLetters.dead.getJobCountByTypes('waiting')).toBe(0);
    // The scrubber worked through the cluster as well.
    const job = await h.ingest.queue.getJob(history.events[0]?.svixId ?? '');
    expect(isScrubbed(job?.data)).toBe(true);

    // The queue's keys all sit on the master owning its tag's slot, none elsewhere.
    const keys = await queueKeysByNode(tag);
    expect(keys.get(owner)?.length).toBeGreaterThan(history.events.length);
    for (const port of cluster.ports.filter((p) => p !== owner)) expect(keys.get(port)).toEqual([]);
  });

  it('dead-letters through the cluster, and clerk-sync replay moves the letters back once', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(testDatabaseUrl).port || 5432));
    await proxy.start();
    const url = new URL(testDatabaseUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    const owner = cluster.ports[1] ?? 0;
    const { queueName, tag } = await queueOn(owner);
    const clusterEnv = { REDIS_URL: clusterUrl, REDIS_CLUSTER_NODES: cluster.seeds, QUEUE_NAME: queueName };
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      harness = await startHarness({
        backend: 'postgres',
        databaseUrl: url.toString(),
        sharedEnv: clusterEnv,
        ingestEnv: {
          JOB_BACKOFF_MS: '50',
          JOB_ATTEMPTS: '2',
          ADMIN_USERNAME: 'ops',
          ADMIN_PASSWORD: adminPassword,
        },
      });
      const h = harness;
      const deadCount = () => h.worker.deadLetters.dead.getJobCountByTypes('waiting');
      proxy.cut();
      const history = generateHistory({
        users: 3,
        organizations: 0,
        memberships: 0,
        maxUpdates: 0,
        deleteRate: 0,
        seed: 7,
        prefix: randomUUID().slice(0, 8),
      });
      for (const e of history.events) expect(await h.deliver(e.envelope, e.svixId)).toBe(202);
      await waitFor(async () => (await deadCount()) === 3, 20_000, 'three dead letters');
      const dead = await queueKeysByNode(tag);
      expect(dead.get(owner)?.some((k) => k.startsWith(`bull:{${tag}}-events-dead:`))).toBe(true);
      for (const port of cluster.ports.filter((p) => p !== owner)) expect(dead.get(port)).toEqual([]);
      // Bull Board and the dead-letter API read the same queues through the ingest's cluster client.
      const letters = await admin(h, '/admin/dead-letters');
      expect(letters.status).toBe(200);
      const page = (await letters.json()) as { letters: Array<{ svixId: string }> };
      expect(new Set(page.letters.map((l) => l.svixId))).toEqual(
        new Set(history.events.map((e) => e.svixId)),
      );
      const board = await admin(h, '/admin/queues/api/queues');
      expect(board.status).toBe(200);
      const boardQueues = ((await board.json()) as { queues: Array<{ name: string }> }).queues.map(
        (q) => q.name,
      );
      expect(boardQueues).toEqual(expect.arrayContaining([queueName, `${queueName}-dead`]));
      proxy.restore();

      expect(await replayCommand.run(['--all', '--dry-run'], clusterEnv)).toBe(0);
      expect(log).toHaveBeenLastCalledWith(
        expect.stringMatching(/^would replay 3 dead letter\(s\).*dry run/),
      );
      expect(await deadCount()).toBe(3);

      expect(await replayCommand.run(['--all'], clusterEnv)).toBe(0);
      expect(log).toHaveBeenLastCalledWith(`replayed 3 dead letter(s) into ${queueName}`);
      await waitFor(async () => (await inboxIds(h)).length === 3, 20_000, 'the replayed events');
      await h.idle();
      expect(await deadCount()).toBe(0);
      expect(new Set(await inboxIds(h))).toEqual(new Set(history.events.map((e) => e.svixId)));
      for (const e of history.events) {
        expect(await h.ingest.queue.getJob(e.svixId).then((j) => j?.returnvalue)).toBe('applied');
      }
      expect(await replayCommand.run(['--all'], clusterEnv)).toBe(0);
      expect(log).toHaveBeenLastCalledWith(`replayed 0 dead letter(s) into ${queueName}`);
    } finally {
      log.mockRestore();
      await harness?.close();
      harness = undefined;
      await proxy.close();
    }
  });
});

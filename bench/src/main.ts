import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { applyEvents, migrateToLatest, openDatabase } from '@clerk-sync/db';
import { prepareEvent } from '@clerk-sync/events';
import { jobOptions } from '@clerk-sync/queue';
import { makeEvent, TEST_SIGNING_SECRET } from '@clerk-sync/testkit';
import {
  ClerkApi,
  DEFAULT_BATCH_MAX,
  defaultConcurrency,
  runBackfill,
  usersSource,
} from '@clerk-sync/worker';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { type SignedRequest, signedCorpus } from './corpus.js';
import { shippedNodeFlags } from './shipped.js';
import {
  databaseUrl,
  freePort,
  redisUrl,
  root,
  rssMb,
  startChild,
  waitForHttp,
  waitUntil,
  watchRss,
} from './util.js';

const quick = process.argv.includes('--quick');
const settings = quick
  ? { seconds: 3, connections: 32, workerEvents: 4_000, backfillUsers: 20_000, e2eSeconds: 5 }
  : { seconds: 10, connections: 64, workerEvents: 40_000, backfillUsers: 200_000, e2eSeconds: 30 };
const run = randomUUID().slice(0, 8);
/** Connections the paced (end-to-end) sender keeps open at most, as a webhook sender would. */
const PACED_CONNECTIONS = 256;
const dist = (path: string) => join(root, path);

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** The same load generator and concurrency for every server: autocannon, each request unique. */
async function load(
  port: number,
  corpus: SignedRequest[],
  seconds: number,
  overallRate?: number,
): Promise<Load> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: settings.connections,
    duration: seconds,
    overallRate,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/clerk',
        setupRequest: (req) => {
          const r = corpus[next++ % corpus.length] as SignedRequest;
          return { ...req, method: 'POST', path: '/webhooks/clerk', headers: r.headers, body: r.body };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * POSTs one delivery over `agent`'s keep-alive connections; resolves with the status, rejects with
 * the socket error.
 */
function post(agent: Agent, port: number, r: SignedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, path: '/webhooks/clerk', method: 'POST', headers: r.headers },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(r.body);
  });
}

/**
 * A fixed arrival rate, spread evenly: every 5 ms the share of that slice is sent. (autocannon's
 * `overallRate` releases each second's budget in a burst, which measures queueing, not lag.) Like
 * Svix, the sender keeps a bounded number of connections (`PACED_CONNECTIONS`): when the ingest
 * stalls, requests wait on the sender's side instead of opening more connections than the ingest's
 * `HTTP_MAX_CONNECTIONS`, which would be cut.
 */
async function paced(port: number, corpus: SignedRequest[], rate: number, seconds: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: PACED_CONNECTIONS });
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  /** Why requests failed (status or error code) and how often, for the error message. */
  const reasons = new Map<string, number>();
  const fail = (reason: string) => {
    failed += 1;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  };
  const latencies: number[] = [];
  while (performance.now() - started < seconds * 1000) {
    const due = Math.min(corpus.length, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const r = corpus[sent] as SignedRequest;
      const t = performance.now();
      const p = post(agent, port, r)
        .then((status) => {
          if (status >= 300) fail(`HTTP ${status}`);
          latencies.push(performance.now() - t);
        })
        .catch((error: NodeJS.ErrnoException) => fail(error.code ?? error.message))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const why = [...reasons].map(([reason, n]) => `${n} × ${reason}`).join(', ');
  return { sent, failed, why, p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN };
}

/**
 * (a) bare Hono, (b) our ingest, (d) the least a BullMQ edge does (verify, parse, one `queue.add`),
 * (c) the seed handler.
 */
type IngestServer = 'bare' | 'ours' | 'minimal' | 'seed';

async function ingestScenario() {
  const corpusSize = settings.seconds * 25_000;
  const servers: Array<{
    name: IngestServer;
    script: string;
    env: Record<string, string>;
    nodeArgs?: string[];
  }> = [
    { name: 'bare', script: 'bench/dist/servers/bare.js', env: {} },
    {
      name: 'ours',
      script: 'apps/ingest/dist/main.js',
      nodeArgs: ingestNodeArgs(),
      env: {
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        REDIS_URL: redisUrl,
        QUEUE_NAME: `bench-ingest-${run}`,
        HOST: '127.0.0.1',
        ADMIN_PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        ...ingestNodeOptions(),
      },
    },
    {
      name: 'minimal',
      script: 'bench/dist/servers/minimal.js',
      nodeArgs: ingestNodeArgs(),
      env: {
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        REDIS_URL: redisUrl,
        QUEUE_NAME: `bench-minimal-${run}`,
        ...ingestNodeOptions(),
      },
    },
    {
      name: 'seed',
      script: 'bench/dist/servers/seed.js',
      env: {
        CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        DATABASE_URL: databaseUrl,
        SEED_TABLE: `bench_seed_${run}`,
      },
    },
  ];
  const database = await openDatabase({ databaseUrl, schema: 'public', pgliteDir: '', poolSize: 1 });
  await sql`CREATE TABLE ${sql.table(`bench_seed_${run}`)} (id text PRIMARY KEY, type text, first_name text,
    updated_at bigint, data jsonb)`.execute(database.db);
  const results: Record<string, Load & { peakRssMb: number; idleRssMb: number }> = {};
  try {
    for (const server of servers) {
      const port = await freePort();
      const child = startChild(dist(server.script), { ...server.env, PORT: String(port) }, server.nodeArgs);
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`);
        const idleRssMb = await idleRss(child.process.pid ?? 0);
        await load(port, signedCorpus(5_000, `${run}w${server.name}`), 1);
        const corpus = signedCorpus(corpusSize, `${run}${server.name}`);
        const rss = watchRss(child.process.pid ?? 0);
        const measured = await load(port, corpus, settings.seconds);
        if (measured.non2xx > 0 || measured.errors > 0) {
          // A server that refuses or drops requests would report a rate of answers, not of work done.
          throw new Error(
            `ingest bench: ${server.name} answered ${measured.non2xx} non-2xx and had ${measured.errors} errors; its last output: ${child.output().slice(-600)}`,
          );
        }
        results[server.name] = { ...measured, peakRssMb: rss.stop(), idleRssMb };
        console.log(`  ingest ${server.name}: ${Math.round(measured.rps)} req/s, p99 ${measured.p99} ms`);
      } finally {
        await child.stop();
      }
    }
  } finally {
    await sql`DROP TABLE IF EXISTS ${sql.table(`bench_seed_${run}`)}`.execute(database.db);
    await database.close();
    for (const name of [`bench-ingest-${run}`, `bench-minimal-${run}`]) {
      const queue = new Queue(name, { connection: { url: redisUrl } });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }
  return results as Record<IngestServer, Load & { peakRssMb: number; idleRssMb: number }>;
}

/** N jobs on a fresh queue, half updates to users already in the schema, half new users. */
const t0 = 1_760_000_000_000;
/** The i-th user of this run, as the worker scenarios create and update them. */
const user = (i: number) => ({ kind: 'user' as const, id: `user_${run}_${i}`, createdAt: t0 });

/** Migrates `schema` and creates users 0 … count − 1 in it, so that half the events are updates. */
async function seedUsers(db: Parameters<typeof applyEvents>[0], schema: string, count: number) {
  await migrateToLatest(db, schema);
  for (let i = 0; i < count; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - i) }, (_, k) =>
      prepareEvent({
        svixId: `seed_${i + k}`,
        receivedAt: 0,
        event: makeEvent(user(i + k), 'created', t0) as never,
      }),
    );
    await applyEvents(db, batch);
  }
}

async function preload(queueName: string, schema: string | null, n: number): Promise<void> {
  if (schema) {
    const database = await openDatabase({ databaseUrl, schema, pgliteDir: '', poolSize: 2 });
    try {
      await seedUsers(database.db, schema, n / 2);
    } finally {
      await database.close();
    }
  }
  const policy = {
    attempts: 15,
    backoffMs: 1000,
    jitter: 0.5,
    dedupeWindowSeconds: 3600,
    dedupeMaxJobs: 1_000_000,
  };
  const queue = new Queue(queueName, { connection: { url: redisUrl } });
  const jobs = Array.from({ length: n }, (_, i) => {
    const isUpdate = i % 2 === 0;
    const event = isUpdate
      ? makeEvent(user(i / 2), 'updated', t0 + 1)
      : makeEvent(user(n / 2 + i), 'created', t0);
    const svixId = `msg_${run}_${i}`;
    return {
      name: event.type,
      data: { v: 1, svixId, receivedAt: Date.now(), event },
      opts: jobOptions(svixId, policy),
    };
  });
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
  await queue.close();
}

async function drain(
  queueName: string,
  script: string,
  env: Record<string, string>,
  ready: string,
  n: number,
) {
  const queue = new Queue(queueName, { connection: { url: redisUrl } });
  const child = startChild(
    dist(script),
    { REDIS_URL: redisUrl, QUEUE_NAME: queueName, ...env },
    workerNodeArgs(),
  );
  try {
    await waitUntil(() => child.output().includes(ready), 60_000, `${script} to start`);
    const started = performance.now();
    const rss = watchRss(child.process.pid ?? 0);
    await waitUntil(
      async () => (await queue.getJobCountByTypes('completed')) >= n,
      600_000,
      `${queueName} to drain`,
    );
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSecond: n / seconds, seconds, peakRssMb: rss.stop() };
  } finally {
    await child.stop();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** The worker's RSS once started on an empty queue (its schema migrated), before any job. */
async function workerIdleRss(): Promise<number> {
  const schema = `bench_idle_${run}`;
  const child = startChild(
    dist('apps/worker/dist/main.js'),
    {
      REDIS_URL: redisUrl,
      QUEUE_NAME: `bench-idle-${run}`,
      ...workerEnv(schema),
    },
    workerNodeArgs(),
  );
  try {
    await waitUntil(() => child.output().includes('worker started'), 60_000, 'the idle worker to start');
    return await idleRss(child.process.pid ?? 0);
  } finally {
    await child.stop();
    const queue = new Queue(`bench-idle-${run}`, { connection: { url: redisUrl } });
    await queue.obliterate({ force: true });
    await queue.close();
    const database = await openDatabase({ databaseUrl, schema, pgliteDir: '', poolSize: 1 });
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  }
}

async function workerScenario() {
  const n = settings.workerEvents;
  const schema = `bench_${run}`;
  const idleRssMb = await workerIdleRss();
  await preload(`bench-noop-${run}`, null, n);
  const noop = await drain(
    `bench-noop-${run}`,
    'bench/dist/servers/noop-worker.js',
    workerTuning(),
    '"started":true',
    n,
  );
  console.log(`  worker no-op: ${Math.round(noop.eventsPerSecond)} jobs/s`);
  await preload(`bench-worker-${run}`, schema, n);
  const ours = await drain(
    `bench-worker-${run}`,
    'apps/worker/dist/main.js',
    {
      ...workerEnv(schema),
    },
    'worker started',
    n,
  );
  console.log(`  worker ours: ${Math.round(ours.eventsPerSecond)} events/s`);
  const database = await openDatabase({ databaseUrl, schema, pgliteDir: '', poolSize: 1 });
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM ${sql.table(`${database.schema}.webhook_events`)} WHERE svix_id LIKE 'msg_%'`.execute(
    database.db,
  );
  if (rows[0]?.n !== n) throw new Error(`worker bench: expected ${n} inbox rows, found ${rows[0]?.n}`);
  await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(database.db);
  await database.close();
  const direct = await directApply(n);
  console.log(`  worker direct apply (no queue): ${Math.round(direct.eventsPerSecond)} events/s`);
  return { noop, ours: { ...ours, idleRssMb }, direct };
}

/**
 * The same events applied straight to Postgres, in batches of the worker's size, one batch after
 * the other, without Redis or BullMQ: what the writes alone allow.
 */
async function directApply(n: number) {
  const schema = `bench_direct_${run}`;
  const batchMax = Number(process.env.BENCH_BATCH_MAX) || DEFAULT_BATCH_MAX;
  const database = await openDatabase({ databaseUrl, schema, pgliteDir: '', poolSize: 2 });
  try {
    await seedUsers(database.db, schema, n / 2);
    const events = Array.from({ length: n }, (_, i) =>
      prepareEvent({
        svixId: `msg_${run}_${i}`,
        receivedAt: Date.now(),
        event: (i % 2 === 0
          ? makeEvent(user(i / 2), 'updated', t0 + 1)
          : makeEvent(user(n / 2 + i), 'created', t0)) as never,
      }),
    );
    const started = performance.now();
    for (let i = 0; i < n; i += batchMax) await applyEvents(database.db, events.slice(i, i + batchMax));
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSecond: n / seconds, seconds, batch: batchMax };
  } finally {
    try {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    } finally {
      await database.close();
    }
  }
}

async function backfillScenario() {
  const users = settings.backfillUsers;
  const fake = startChild(dist('bench/dist/servers/fake-clerk.js'), { USERS: String(users) });
  const schema = `bench_bf_${run}`;
  const database = await openDatabase({ databaseUrl, schema, pgliteDir: '', poolSize: 4 });
  try {
    await waitUntil(() => fake.output().includes('"url"'), 60_000, 'the fake Clerk');
    const { url, secretKey } = JSON.parse(fake.output().split('\n')[0] ?? '{}') as {
      url: string;
      secretKey: string;
    };
    await migrateToLatest(database.db, schema);
    const limitPer10s = 1000;
    const api = new ClerkApi({ baseUrl: url, secretKey, requestsPer10s: limitPer10s * 0.9, maxTries: 5 });
    const summary = await runBackfill({ db: database.db, api, sources: [usersSource] });
    const type = summary.types[0];
    if (!type?.complete || type.fetched !== users)
      throw new Error(`backfill bench: fetched ${type?.fetched} of ${users}`);
    const usersPerSecond = users / type.seconds;
    const ceiling = (limitPer10s / 10) * 500;
    console.log(`  backfill: ${Math.round(usersPerSecond)} users/s of a ${ceiling} users/s ceiling`);
    return {
      usersPerSecond,
      ceiling,
      seconds: type.seconds,
      requests: summary.requests,
      throttled: summary.throttled,
    };
  } finally {
    await fake.stop();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  }
}

async function e2eScenario() {
  const queueName = `bench-e2e-${run}`;
  const schema = `bench_e2e_${run}`;
  const port = await freePort();
  const ingest = startChild(
    dist('apps/ingest/dist/main.js'),
    {
      CLERK_WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...ingestNodeOptions(),
    },
    ingestNodeArgs(),
  );
  const worker = startChild(
    dist('apps/worker/dist/main.js'),
    {
      REDIS_URL: redisUrl,
      QUEUE_NAME: queueName,
      ...workerEnv(schema),
    },
    workerNodeArgs(),
  );
  const database = await openDatabase({ databaseUrl, schema, pgliteDir: '', poolSize: 1 });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    await waitUntil(() => worker.output().includes('worker started'), 60_000, 'the worker');
    const rate = 1000;
    // Two seconds at the same rate first, so JIT warm-up and connection setup are not measured.
    const warm = await paced(port, signedCorpus(rate * 2, `${run}warm`), rate, 2);
    if (warm.failed > 0) throw new Error(`e2e bench: ${warm.failed} warm-up requests failed (${warm.why})`);
    const measured = `msg_${run}lag_`;
    const corpus = signedCorpus(rate * settings.e2eSeconds + 2_000, `${run}lag`);
    const sent = await paced(port, corpus, rate, settings.e2eSeconds);
    if (sent.failed > 0) {
      const exit = ingest.process.exitCode ?? ingest.process.signalCode;
      throw new Error(
        `e2e bench: ${sent.failed} of ${sent.sent} requests failed (${sent.why}); ingest ${exit === null ? 'running' : `exited ${exit}`}, its last output: ${ingest.output().slice(-600)}`,
      );
    }
    const accepted = sent.sent;
    await waitUntil(
      async () => {
        const { rows } = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM ${sql.table(`${database.schema}.webhook_events`)}`.execute(
          database.db,
        );
        return (rows[0]?.n ?? 0) >= accepted;
      },
      120_000,
      'the events to be applied',
    );
    const { rows } = await sql<{ p50: number; p99: number; n: number }>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - received_at)) * 1000 AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - received_at)) * 1000 AS p99,
             count(*)::int AS n
      FROM ${sql.table(`${database.schema}.webhook_events`)} WHERE starts_with(svix_id, ${measured})`.execute(
      database.db,
    );
    const lag = rows[0];
    console.log(
      `  e2e at ${rate}/s: p50 ${lag?.p50.toFixed(1)} ms, p99 ${lag?.p99.toFixed(1)} ms over ${lag?.n} events`,
    );
    return {
      rate,
      p50: Number(lag?.p50),
      p99: Number(lag?.p99),
      events: Number(lag?.n),
      ingestP99: sent.p99,
    };
  } finally {
    await ingest.stop();
    await worker.stop();
    const queue = new Queue(queueName, { connection: { url: redisUrl } });
    await queue.obliterate({ force: true });
    await queue.close();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
  }
}

/** RSS a second after a process is up, before any load: what it costs to have it running. */
async function idleRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return rssMb(pid);
}

/**
 * Node flags for the ingest and the worker: those their image starts them with (infra/docker/Dockerfile),
 * unless BENCH_INGEST_NODE_OPTIONS or BENCH_NODE_OPTIONS (worker) replace them for a run.
 */
function ingestNodeArgs(): string[] {
  return process.env.BENCH_INGEST_NODE_OPTIONS ? [] : shippedNodeFlags(root, 'ingest');
}
function workerNodeArgs(): string[] {
  return process.env.BENCH_NODE_OPTIONS ? [] : shippedNodeFlags(root, 'worker');
}

/** `NODE_OPTIONS` for the ingest and the minimal edge when `BENCH_INGEST_NODE_OPTIONS` replaces the image's flags. */
function ingestNodeOptions(): Record<string, string> {
  const options = process.env.BENCH_INGEST_NODE_OPTIONS;
  return options ? { NODE_OPTIONS: options } : {};
}

/** Our worker's variables besides Redis and the queue: its schema, no metrics listener, the tuning. */
function workerEnv(schema: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schema,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...workerTuning(),
  };
}

/**
 * Lets a run try other worker settings, e.g. BENCH_WORKER_CONCURRENCY=300. The concurrency is always
 * passed, so that the no-op worker runs with ours.
 */
function workerTuning(): Record<string, string> {
  const batchMax = Number(process.env.BENCH_BATCH_MAX) || DEFAULT_BATCH_MAX;
  const out: Record<string, string> = { WORKER_CONCURRENCY: String(defaultConcurrency(batchMax)) };
  for (const key of [
    'WORKER_CONCURRENCY',
    'BATCH_MAX',
    'BATCH_WAIT_MS',
    'SCRUB_COMPLETED_JOBS',
    'NODE_OPTIONS',
  ]) {
    const value = process.env[`BENCH_${key}`];
    if (value) out[key] = value;
  }
  return out;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`pnpm bench${quick ? ' --quick' : ''}: ${cpus().length} cores, Node ${process.version}`);
  // `--only=worker` (or ingest, backfill, e2e) runs one scenario while tuning; the table needs all four.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  if (only) {
    const scenarios: Record<string, () => Promise<unknown>> = {
      ingest: ingestScenario,
      worker: workerScenario,
      backfill: backfillScenario,
      e2e: e2eScenario,
    };
    const scenario = Object.hasOwn(scenarios, only) ? scenarios[only] : undefined;
    if (!scenario) throw new Error(`--only: one of ${Object.keys(scenarios).join(', ')}`);
    console.log(JSON.stringify(await scenario()));
    return;
  }
  const ingest = await ingestScenario();
  const worker = await workerScenario();
  const backfill = await backfillScenario();
  const e2e = await e2eScenario();

  const results = {
    date: new Date().toISOString(),
    quick,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    settings,
    ingest: {
      bare: ingest.bare,
      ours: ingest.ours,
      seed: ingest.seed,
      ratio_vs_bare: round(ingest.ours.rps / ingest.bare.rps),
      ratio_vs_seed: round(ingest.ours.rps / ingest.seed.rps),
      p99_ms: ingest.ours.p99,
      minimal: ingest.minimal,
      minimal_ratio_vs_seed: round(ingest.minimal.rps / ingest.seed.rps),
    },
    worker: {
      events_per_s: round(worker.ours.eventsPerSecond, 0),
      noop_jobs_per_s: round(worker.noop.eventsPerSecond, 0),
      ratio_vs_noop: round(worker.ours.eventsPerSecond / worker.noop.eventsPerSecond),
      events: settings.workerEvents,
      direct_apply_events_per_s: round(worker.direct.eventsPerSecond, 0),
      direct_apply_ratio_vs_noop: round(worker.direct.eventsPerSecond / worker.noop.eventsPerSecond),
    },
    backfill: {
      users_per_s: round(backfill.usersPerSecond, 0),
      ceiling_users_per_s: backfill.ceiling,
      ratio_vs_ceiling: round(backfill.usersPerSecond / backfill.ceiling),
      users: settings.backfillUsers,
      requests: backfill.requests,
      throttled: backfill.throttled,
    },
    e2e: { rate_per_s: e2e.rate, p50_ms: round(e2e.p50, 1), p99_ms: round(e2e.p99, 1), events: e2e.events },
    memory: {
      ingest_peak_mb: round(ingest.ours.peakRssMb, 0),
      worker_peak_mb: round(worker.ours.peakRssMb, 0),
      ingest_idle_mb: round(ingest.ours.idleRssMb, 0),
      worker_idle_mb: round(worker.ours.idleRssMb, 0),
      ingest_node_flags: ingestNodeArgs().join(' ') || process.env.BENCH_INGEST_NODE_OPTIONS || '',
      worker_node_flags: workerNodeArgs().join(' ') || process.env.BENCH_NODE_OPTIONS || '',
    },
    seconds: round((Date.now() - started) / 1000, 0),
  };

  const rows: Array<[string, string, string, string]> = [
    ['figure', 'measured', 'target', 'met'],
    [
      'ingest req/s (ours / bare / seed)',
      `${round(ingest.ours.rps, 0)} / ${round(ingest.bare.rps, 0)} / ${round(ingest.seed.rps, 0)}`,
      '',
      '',
    ],
    [
      'ingest b/a (vs bare Hono)',
      String(results.ingest.ratio_vs_bare),
      '≥ 0.40',
      ok(results.ingest.ratio_vs_bare >= 0.4),
    ],
    [
      'ingest b/c (vs seed handler)',
      String(results.ingest.ratio_vs_seed),
      '≥ 2.0',
      ok(results.ingest.ratio_vs_seed >= 2),
    ],
    [
      'ingest d (verify + BullMQ add only) req/s, d/c',
      `${round(ingest.minimal.rps, 0)}, ${results.ingest.minimal_ratio_vs_seed}`,
      '',
      '',
    ],
    [
      'ingest p50 / p99 (ms)',
      `${ingest.ours.p50} / ${ingest.ours.p99}`,
      'p99 ≤ 25',
      ok(ingest.ours.p99 <= 25),
    ],
    [
      'worker events/s (ours / no-op)',
      `${results.worker.events_per_s} / ${results.worker.noop_jobs_per_s}`,
      '',
      '',
    ],
    [
      'worker apply / no-op drain',
      String(results.worker.ratio_vs_noop),
      '≥ 0.60',
      ok(results.worker.ratio_vs_noop >= 0.6),
    ],
    [
      'worker direct apply events/s, / no-op',
      `${results.worker.direct_apply_events_per_s}, ${results.worker.direct_apply_ratio_vs_noop}`,
      '',
      '',
    ],
    ['backfill users/s (ceiling)', `${results.backfill.users_per_s} (${backfill.ceiling})`, '', ''],
    [
      'backfill / API ceiling',
      String(results.backfill.ratio_vs_ceiling),
      '≥ 0.80',
      ok(results.backfill.ratio_vs_ceiling >= 0.8),
    ],
    [
      'e2e lag p50 / p99 at 1k/s (ms)',
      `${results.e2e.p50_ms} / ${results.e2e.p99_ms}`,
      'p99 ≤ 100',
      ok(results.e2e.p99_ms <= 100),
    ],
    [
      'peak RSS ingest / worker (MB)',
      `${results.memory.ingest_peak_mb} / ${results.memory.worker_peak_mb}`,
      '≤ 150 / ≤ 250',
      ok(results.memory.ingest_peak_mb <= 150 && results.memory.worker_peak_mb <= 250),
    ],
    [
      'idle RSS ingest / worker (MB)',
      `${results.memory.ingest_idle_mb} / ${results.memory.worker_idle_mb}`,
      '',
      '',
    ],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  console.log('');
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results.json in ${results.seconds} s`);
}

function ok(met: boolean): string {
  return met ? 'yes' : 'NO';
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);

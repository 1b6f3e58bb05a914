import { randomUUID } from 'node:crypto';
import { backends, testDatabaseUrl } from '@clerk-sync/db/testing';
import { replayDeadLetters } from '@clerk-sync/queue';
import { type ClerkEnvelope, type FactoryEntity, makeEvent, TcpProxy } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';
import type { BatchReport } from './batcher.js';

const T0 = 1_760_000_000_000;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const deadCount = (h: Harness) => h.worker.deadLetters.dead.getJobCountByTypes('waiting');
const inboxCount = async (h: Harness) =>
  Number(
    (
      await h.worker.database.db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n,
  );

/** A small history: two users (one deleted, then updated late), an org, and a membership sent first. */
function history(): { events: Array<{ svixId: string; event: ClerkEnvelope }>; run: string } {
  const run = randomUUID().slice(0, 8);
  const alice: FactoryEntity = { kind: 'user', id: `user_alice_${run}`, createdAt: T0 };
  const bob: FactoryEntity = { kind: 'user', id: `user_bob_${run}`, createdAt: T0 };
  const org: FactoryEntity = { kind: 'organization', id: `org_${run}`, createdAt: T0 };
  const membership: FactoryEntity = {
    kind: 'organization_membership',
    id: `orgmem_${run}`,
    createdAt: T0 + 5,
    userId: alice.id,
    organizationId: org.id,
  };
  const list: ClerkEnvelope[] = [
    makeEvent(membership, 'created', T0 + 5),
    makeEvent(alice, 'created', T0),
    makeEvent(alice, 'updated', T0 + 10),
    makeEvent(alice, 'updated', T0 + 20),
    makeEvent(bob, 'created', T0),
    makeEvent(bob, 'updated', T0 + 1),
    makeEvent(bob, 'deleted', T0 + 30),
    makeEvent(bob, 'updated', T0 + 40),
    makeEvent(org, 'created', T0),
    makeEvent(org, 'updated', T0 + 3),
    makeEvent(membership, 'updated', T0 + 6),
  ];
  return { events: list.map((event, i) => ({ svixId: `msg_${run}_${i}`, event })), run };
}

function shuffledWithDuplicates<T>(items: T[]): T[] {
  const out = items.flatMap((x, i) => (i % 3 === 0 ? [x, x, x] : [x]));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe.each(backends)('the pipeline end to end on %s', (backend) => {
  it('turns a shuffled, duplicated history into the right rows, each delivery in the inbox once', async () => {
    harness = await startHarness({ backend });
    const h = harness;
    const { events, run } = history();
    const statuses = await Promise.all(
      shuffledWithDuplicates(events).map((e) => h.deliver(e.event, e.svixId)),
    );
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    await waitFor(async () => (await inboxCount(h)) === events.length, 20_000, 'all events in the inbox');
    await h.idle();

    const db = h.worker.database.db;
    const users = await db.selectFrom('users').selectAll().orderBy('id').execute();
    expect(users).toEqual([
      expect.objectContaining({
        id: `user_alice_${run}`,
        first_name: `First ${T0 + 20}`,
        email: `user_alice_${run}.${T0 + 20}@example.test`,
        version: T0 + 20,
        deleted_at: null,
      }),
      expect.objectContaining({
        id: `user_bob_${run}`,
        first_name: null,
        email: null,
        deleted_at: new Date(T0 + 30),
        created_at: new Date(T0),
      }),
    ]);
    const org = await db.selectFrom('organizations').selectAll().executeTakeFirst();
    expect(org).toMatchObject({ name: `Org org_${run} v${T0 + 3}`, version: T0 + 3 });
    const members = await db.selectFrom('organization_members').selectAll().execute();
    expect(members).toEqual([
      expect.objectContaining({
        user_id: `user_alice_${run}`,
        organization_id: `org_${run}`,
        role: 'org:admin',
      }),
    ]);
    const inbox = await db.selectFrom('webhook_events').select(['svix_id', 'outcome']).execute();
    expect(new Set(inbox.map((r) => r.svix_id)).size).toBe(events.length);
    expect(await deadCount(h)).toBe(0);
  });

  it('dead-letters a poison payload at once, with its reason, and completes its neighbours', async () => {
    harness = await startHarness({ backend });
    const h = harness;
    const poison = makeEvent({ kind: 'user', id: 'user_poison', createdAt: T0 }, 'created', T0);
    delete poison.data.updated_at;
    expect(await h.deliver(poison, 'msg_poison')).toBe(202);
    expect(await h.deliver(makeEvent({ kind: 'user', id: 'user_fine', createdAt: T0 }, 'created', T0))).toBe(
      202,
    );
    await waitFor(async () => (await deadCount(h)) === 1, 10_000, 'the dead letter');
    const { letters } = await h.worker.deadLetters.list();
    expect(letters).toEqual([
      expect.objectContaining({ svixId: 'msg_poison', type: 'user.created', attemptsMade: 1 }),
    ]);
    expect(letters[0]?.reason).toContain('data.updated_at');
    const letter = await h.worker.deadLetters.dead.getJob('msg_poison');
    expect(letter?.data.payload).toMatchObject({ svixId: 'msg_poison', event: { type: 'user.created' } });
    expect(letter?.data.stacktrace.length).toBeGreaterThan(0);
    expect(await h.ingest.queue.getJobCountByTypes('failed')).toBe(0);
    await waitFor(async () => (await inboxCount(h)) === 1, 10_000, 'the good event');
  });

  it('isolates one event Postgres cannot store among 50: 49 applied, 1 dead-lettered', async () => {
    const batches: BatchReport[] = [];
    harness = await startHarness({
      backend,
      workerEnv: { BATCH_MAX: '100', BATCH_WAIT_MS: '300' },
      hooks: { onBatch: (r) => batches.push(r) },
    });
    const h = harness;
    const events = Array.from({ length: 50 }, (_, i) =>
      makeEvent({ kind: 'user', id: `user_iso_${i}`, createdAt: T0 }, 'created', T0 + i),
    );
    // A NUL character passes validation but no Postgres text column can hold it.
    (events[17] as ClerkEnvelope).data.first_name = 'bad\u0000name';
    await Promise.all(events.map((e, i) => h.deliver(e, `msg_iso_${i}`)));
    await waitFor(async () => (await deadCount(h)) === 1, 15_000, 'the dead letter');
    await h.idle();
    const rows = await h.worker.database.db.selectFrom('users').select('id').execute();
    expect(rows).toHaveLength(49);
    expect(rows.map((r) => r.id)).not.toContain('user_iso_17');
    const { letters } = await h.worker.deadLetters.list();
    expect(letters).toEqual([expect.objectContaining({ svixId: 'msg_iso_17', attemptsMade: 1 })]);
    expect(letters[0]?.reason).toMatch(/database rejected the event \(22/);
    expect(batches.some((b) => b.isolated && b.size > 1)).toBe(true);
  });
});

describe('the worker when Postgres goes away', () => {
  it('retries with backoff and lands every event once Postgres is back, with no dead letters', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(testDatabaseUrl).port || 5432));
    await proxy.start();
    const url = new URL(testDatabaseUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    let failures = 0;
    try {
      harness = await startHarness({
        backend: 'postgres',
        databaseUrl: url.toString(),
        ingestEnv: { JOB_BACKOFF_MS: '200', JOB_ATTEMPTS: '12' },
      });
      const h = harness;
      h.worker.worker.on('failed', () => {
        failures += 1;
      });
      proxy.cut();
      const events = Array.from({ length: 20 }, (_, i) =>
        makeEvent({ kind: 'organization', id: `org_out_${i}`, createdAt: T0 }, 'created', T0 + i),
      );
      expect((await Promise.all(events.map((e) => h.deliver(e)))).every((s) => s === 202)).toBe(true);
      await waitFor(async () => failures >= 20, 10_000, 'failed attempts while Postgres is cut');
      await new Promise((r) => setTimeout(r, 1500));
      proxy.restore();
      await waitFor(async () => (await inboxCount(h)) === 20, 30_000, 'all events after the outage');
      await h.idle();
      expect(await deadCount(h)).toBe(0);
      expect(failures).toBeGreaterThanOrEqual(20);
      const orgs = await h.worker.database.db.selectFrom('organizations').select('id').execute();
      expect(orgs).toHaveLength(20);
    } finally {
      await harness?.close();
      harness = undefined;
      await proxy.close();
    }
  });

  it('dead-letters an event that exhausts its budget; replay applies it exactly once, dry run changes nothing', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(testDatabaseUrl).port || 5432));
    await proxy.start();
    const url = new URL(testDatabaseUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    try {
      harness = await startHarness({
        backend: 'postgres',
        databaseUrl: url.toString(),
        ingestEnv: { JOB_BACKOFF_MS: '50', JOB_ATTEMPTS: '2' },
      });
      const h = harness;
      proxy.cut();
      const event = makeEvent({ kind: 'user', id: 'user_replay', createdAt: T0 }, 'created', T0);
      expect(await h.deliver(event, 'msg_replay')).toBe(202);
      await waitFor(async () => (await deadCount(h)) === 1, 15_000, 'the dead letter');
      const [letter] = (await h.worker.deadLetters.list()).letters;
      expect(letter).toMatchObject({ svixId: 'msg_replay', attemptsMade: 2 });
      proxy.restore();

      const dry = await replayDeadLetters(h.worker.deadLetters, { all: true }, { dryRun: true });
      expect(dry.replayed.map((l) => l.svixId)).toEqual(['msg_replay']);
      expect(await deadCount(h)).toBe(1);
      expect(await h.ingest.queue.getJob('msg_replay')).toBeUndefined();

      const real = await replayDeadLetters(h.worker.deadLetters, { svixIds: ['msg_replay'] });
      expect(real.replayed).toHaveLength(1);
      await waitFor(async () => (await inboxCount(h)) === 1, 15_000, 'the replayed event');
      await h.idle();
      expect(await deadCount(h)).toBe(0);
      const again = await replayDeadLetters(h.worker.deadLetters, { all: true });
      expect(again.replayed).toEqual([]);
      const inbox = await h.worker.database.db.selectFrom('webhook_events').selectAll().execute();
      expect(inbox).toEqual([expect.objectContaining({ svix_id: 'msg_replay', outcome: 'applied' })]);
      expect(await h.ingest.queue.getJob('msg_replay').then((j) => j?.returnvalue)).toBe('applied');
    } finally {
      await harness?.close();
      harness = undefined;
      await proxy.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { adoptRows, type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { openTestDatabase, sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { replayDeadLetters } from '@clerk-sync/queue';
import { type ClerkEnvelope, makeEvent, svixHeaders } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, redisUrl, silent, startHarness, waitFor } from '../test/harness.js';
import { readWorkerEnv } from './env.js';
import { startWorker } from './worker-service.js';

/**
 * Issue #18 end to end: the ingest verifies each delivery with its instance's signing secret and names
 * the instance in the job; the worker writes it to that instance's schema, recording its id, and
 * dead-letters what an instance may not write, with the reason.
 */
const PROD_ID = 'ins_prod9Kq2';
const DEV_ID = 'ins_dev7Hx4';
const PROD_SECRET = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
const DEV_SECRET = `whsec_${Buffer.alloc(32, 23).toString('base64')}`;
const T0 = 1_765_000_000_000;

/** The ingest's variables for `prod` and `dev`; the harness's unsuffixed secret is cleared. */
const ingestEnv = {
  CLERK_WEBHOOK_SIGNING_SECRET: '',
  CLERK_WEBHOOK_SIGNING_SECRET_PROD: PROD_SECRET,
  CLERK_WEBHOOK_SIGNING_SECRET_DEV: DEV_SECRET,
};

const userEvent = (
  id: string,
  instanceId: string,
  action: 'created' | 'updated' = 'created',
  version = T0,
) => {
  const event: ClerkEnvelope = makeEvent({ kind: 'user', id, createdAt: T0 }, action, version);
  event.instance_id = instanceId;
  return event;
};

/** Posts `event` to the ingest signed with `secret`, as Svix would for that instance; returns the status. */
async function post(
  h: Harness,
  secret: string,
  event: unknown,
  svixId = `msg_${randomUUID()}`,
): Promise<number> {
  const body = JSON.stringify(event);
  const res = await h.ingest.app.request('/webhooks/clerk', {
    method: 'POST',
    body,
    headers: svixHeaders(secret, svixId, body),
  });
  return res.status;
}

const usersOf = async (db: ClerkDatabase['db']) =>
  db.selectFrom('users').select(['id', 'instance_id']).orderBy('id').execute();
const inboxOf = async (db: ClerkDatabase['db']) =>
  db.selectFrom('webhook_events').select(['svix_id', 'instance_id', 'outcome']).orderBy('svix_id').execute();
const deadCount = (h: Harness) => h.worker.deadLetters.dead.getJobCountByTypes('waiting');
async function reasonOf(h: Harness, svixId: string): Promise<string | undefined> {
  await waitFor(
    async () => (await h.worker.deadLetters.dead.getJob(svixId)) !== undefined,
    15_000,
    `letter ${svixId}`,
  );
  return (await h.worker.deadLetters.list()).letters.find((l) => l.svixId === svixId)?.reason;
}

let harness: Harness | undefined;
const extraSchemas: string[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (extraSchemas.length > 0) {
    const database = await openDatabase({
      databaseUrl: testDatabaseUrl,
      schema: 'public',
      pgliteDir: '',
      poolSize: 1,
    });
    for (const schema of extraSchemas.splice(0)) {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    }
    await database.close();
  }
});

describe('two Clerk instances through the ingest and the worker', () => {
  it("writes each instance's events to its own schema with its id, and dead-letters prod's secret naming dev", async () => {
    const prodSchema = uniqueSchema('prod');
    extraSchemas.push(prodSchema);
    harness = await startHarness({
      backend: 'postgres',
      sharedEnv: { CLERK_INSTANCES: `prod:${PROD_ID}:${prodSchema},dev:${DEV_ID}` },
      ingestEnv,
    });
    const h = harness;
    const prodDb = h.worker.database.inSchema(prodSchema);
    const devDb = h.worker.database.db;

    expect(await post(h, PROD_SECRET, userEvent('user_p1', PROD_ID), 'msg_p1')).toBe(202);
    expect(await post(h, DEV_SECRET, userEvent('user_d1', DEV_ID), 'msg_d1')).toBe(202);
    expect(await post(h, PROD_SECRET, userEvent('user_forged', DEV_ID), 'msg_forged')).toBe(202);
    // Neither instance's secret: refused at the edge as before.
    expect(
      await post(h, `whsec_${Buffer.alloc(32, 99).toString('base64')}`, userEvent('user_x', PROD_ID)),
    ).toBe(400);

    expect(await reasonOf(h, 'msg_forged')).toBe(
      `invalid event: instance: verified with the signing secret of instance prod (${PROD_ID}), but the event names ${DEV_ID}`,
    );
    await h.idle();
    expect(await usersOf(prodDb)).toEqual([{ id: 'user_p1', instance_id: PROD_ID }]);
    expect(await usersOf(devDb)).toEqual([{ id: 'user_d1', instance_id: DEV_ID }]);
    expect(await inboxOf(prodDb)).toEqual([{ svix_id: 'msg_p1', instance_id: PROD_ID, outcome: 'applied' }]);
    expect(await inboxOf(devDb)).toEqual([{ svix_id: 'msg_d1', instance_id: DEV_ID, outcome: 'applied' }]);
    expect(await deadCount(h)).toBe(1);
  });

  it('shares one schema: rows record their instance, a conflict is dead-lettered naming the owner, and its replay applies once the row is gone', async () => {
    harness = await startHarness({
      backend: 'postgres',
      sharedEnv: { CLERK_INSTANCES: `prod:${PROD_ID},dev:${DEV_ID}` },
      ingestEnv,
    });
    const h = harness;
    const { db } = h.worker.database;
    expect(await post(h, PROD_SECRET, userEvent('user_shared', PROD_ID), 'msg_prod_shared')).toBe(202);
    expect(await post(h, DEV_SECRET, userEvent('user_dev_only', DEV_ID), 'msg_dev_only')).toBe(202);
    await waitFor(async () => (await usersOf(db)).length === 2, 15_000, 'both users');
    expect(await usersOf(db)).toEqual([
      { id: 'user_dev_only', instance_id: DEV_ID },
      { id: 'user_shared', instance_id: PROD_ID },
    ]);

    const clash = userEvent('user_shared', DEV_ID, 'updated', T0 + 10);
    expect(await post(h, DEV_SECRET, clash, 'msg_dev_clash')).toBe(202);
    expect(await reasonOf(h, 'msg_dev_clash')).toBe(
      `instance conflict: users user_shared belongs to Clerk instance ${PROD_ID}, this event to ${DEV_ID}`,
    );
    const prodRow = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_shared')
      .executeTakeFirst();
    expect(prodRow).toMatchObject({ instance_id: PROD_ID, version: T0 });
    expect((await inboxOf(db)).map((r) => r.svix_id)).not.toContain('msg_dev_clash');

    // The operator removes prod's row (it was dev's user all along) and replays the letter.
    await db.deleteFrom('users').where('id', '=', 'user_shared').execute();
    const replay = await replayDeadLetters(h.worker.deadLetters, { svixIds: ['msg_dev_clash'] });
    expect(replay.replayed).toHaveLength(1);
    await waitFor(
      async () => (await inboxOf(db)).some((r) => r.svix_id === 'msg_dev_clash'),
      15_000,
      'the replayed event',
    );
    await h.idle();
    expect(
      await db.selectFrom('users').selectAll().where('id', '=', 'user_shared').executeTakeFirst(),
    ).toMatchObject({
      instance_id: DEV_ID,
      version: T0 + 10,
    });
    expect(await deadCount(h)).toBe(0);
  });

  it('with an allowlist and the single default instance, applies listed instances and dead-letters the others', async () => {
    harness = await startHarness({
      backend: 'postgres',
      workerEnv: { CLERK_INSTANCE_ALLOWLIST: PROD_ID },
    });
    const h = harness;
    expect(await h.deliver(userEvent('user_listed', PROD_ID), 'msg_listed')).toBe(202);
    expect(await h.deliver(userEvent('user_unlisted', DEV_ID), 'msg_unlisted')).toBe(202);
    expect(await reasonOf(h, 'msg_unlisted')).toBe(
      `invalid event: instance: ${DEV_ID} is not in CLERK_INSTANCE_ALLOWLIST`,
    );
    await h.idle();
    expect(await usersOf(h.worker.database.db)).toEqual([{ id: 'user_listed', instance_id: PROD_ID }]);
    expect(await deadCount(h)).toBe(1);
  });
});

describe('a worker serving two instances from one schema', () => {
  it('refuses to start while the schema holds rows that record no instance, and starts once they are adopted', async () => {
    const schema = uniqueSchema('shared');
    const prepared = await openTestDatabase('postgres', schema);
    try {
      await sql`INSERT INTO ${sql.table(`${schema}.users`)} (id, version) VALUES ('user_old', 1)`.execute(
        prepared.db,
      );
      const vars = {
        REDIS_URL: redisUrl,
        QUEUE_NAME: `test-instances-${randomUUID()}`,
        DATABASE_URL: testDatabaseUrl,
        DB_SCHEMA: schema,
        CLERK_INSTANCES: `prod:${PROD_ID},dev:${DEV_ID}`,
      };
      const env = readWorkerEnv(vars);
      await expect(startWorker(env, silent)).rejects.toThrow(
        `schema "${schema}" serves instances prod, dev but holds rows that record no instance: users (1). ` +
          'Assign them to the instance they came from first: clerk-sync adopt-instance --instance <name>',
      );
      // One instance alone on that schema needs no adoption: its first write claims the rows.
      const alone = await startWorker(readWorkerEnv({ ...vars, CLERK_INSTANCES: `prod:${PROD_ID}` }), silent);
      await alone.close();

      expect(await adoptRows(prepared.db, PROD_ID)).toEqual({ users: 1 });
      const worker = await startWorker(env, silent);
      await worker.close();
    } finally {
      await prepared.close();
    }
  });
});

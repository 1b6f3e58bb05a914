import { ClerkApi } from '@clerk-sync/backend-api';
import { openTestDatabase } from '@clerk-sync/db/testing';
import { type FactoryEntity, FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';
import { runBackfill } from './backfill/backfill.js';
import { usersSource } from './backfill/sources.js';

const YEAR_2100 = Date.UTC(2100, 0, 1);
const HOUR = 3_600_000;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const inbox = (h: Harness, svixId: string) =>
  h.worker.database.db
    .selectFrom('webhook_events')
    .select(['svix_id', 'outcome'])
    .where('svix_id', '=', svixId)
    .executeTakeFirst();

describe('an event dated far in the future', () => {
  it('is dead-lettered with the reason, leaves the row alone, and later genuine updates still apply', async () => {
    harness = await startHarness({ backend: 'postgres' });
    const h = harness;
    const t0 = Date.now() - HOUR;
    const user: FactoryEntity = { kind: 'user', id: `user_future_${t0}`, createdAt: t0 };
    const row = () =>
      h.worker.database.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();

    expect(await h.deliver(makeEvent(user, 'created', t0), 'msg_created')).toBe(202);
    await waitFor(async () => (await inbox(h, 'msg_created'))?.outcome === 'applied', 10_000, 'the create');
    const before = await row();
    expect(before).toMatchObject({ version: t0, email: `${user.id}.${t0}@example.test` });

    expect(await h.deliver(makeEvent(user, 'updated', YEAR_2100), 'msg_2100')).toBe(202);
    await waitFor(
      async () => (await h.worker.deadLetters.dead.getJobCountByTypes('waiting')) === 1,
      10_000,
      'the dead letter',
    );
    const { letters } = await h.worker.deadLetters.list();
    expect(letters).toEqual([
      expect.objectContaining({ svixId: 'msg_2100', type: 'user.updated', attemptsMade: 1 }),
    ]);
    expect(letters[0]?.reason).toContain(
      `user.updated: version ${YEAR_2100} is more than 1 day ahead of now`,
    );
    expect(await inbox(h, 'msg_2100')).toBeUndefined();
    expect(await row()).toEqual(before);

    const genuine = t0 + 1_000;
    expect(await h.deliver(makeEvent(user, 'updated', genuine), 'msg_genuine')).toBe(202);
    await waitFor(async () => (await inbox(h, 'msg_genuine')) !== undefined, 10_000, 'the genuine update');
    await h.idle();
    expect(await inbox(h, 'msg_genuine')).toEqual({ svix_id: 'msg_genuine', outcome: 'applied' });
    expect(await row()).toMatchObject({
      version: genuine,
      email: `${user.id}.${genuine}@example.test`,
      first_name: `First ${genuine}`,
    });
    expect(await h.worker.deadLetters.dead.getJobCountByTypes('waiting')).toBe(1);
  });

  it('honours MAX_FUTURE_SKEW_MS: with a one-hour skew, an event two hours ahead is refused', async () => {
    harness = await startHarness({ backend: 'postgres', workerEnv: { MAX_FUTURE_SKEW_MS: String(HOUR) } });
    const h = harness;
    const ahead = Date.now() + 2 * HOUR;
    const user: FactoryEntity = { kind: 'user', id: `user_skew_${ahead}`, createdAt: ahead };
    expect(await h.deliver(makeEvent(user, 'created', ahead), 'msg_ahead')).toBe(202);
    await waitFor(
      async () => (await h.worker.deadLetters.dead.getJobCountByTypes('waiting')) === 1,
      10_000,
      'the dead letter',
    );
    const [letter] = (await h.worker.deadLetters.list()).letters;
    expect(letter?.reason).toContain(`version ${ahead} is more than 1 hour ahead of now`);
    const rows = await h.worker.database.db.selectFrom('users').select('id').execute();
    expect(rows).toEqual([]);
  });
});

describe('a backfill snapshot dated far in the future', () => {
  let fake: FakeClerk | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('is counted invalid and not written; the other users are', async () => {
    fake = new FakeClerk({ rateLimit: null });
    fake.seed({ users: 3, organizations: 0, memberships: 0 });
    const victim = fake.user('user_0000001');
    expect(victim).toBeDefined();
    fake.updateUser('user_0000001', { first_name: 'From the future' }, YEAR_2100);
    await fake.start();
    const database = await openTestDatabase('postgres');
    try {
      const invalid: Array<[string, string, string]> = [];
      const summary = await runBackfill({
        db: database.db,
        api: new ClerkApi({
          baseUrl: fake.url,
          secretKey: fake.secretKey,
          requestsPer10s: 1000,
          maxTries: 2,
        }),
        sources: [usersSource],
        onInvalid: (name, id, reason) => invalid.push([name, id, reason]),
      });
      expect(summary.types[0]).toMatchObject({ name: 'users', fetched: 3, applied: 2, invalid: 1 });
      expect(invalid).toEqual([
        ['users', 'user_0000001', expect.stringContaining(`version ${YEAR_2100} is more than 1 day ahead`)],
      ]);
      const ids = await database.db.selectFrom('users').select('id').orderBy('id').execute();
      expect(ids.map((r) => r.id)).toEqual(['user_0000000', 'user_0000002']);
    } finally {
      await database.close();
    }
  });
});

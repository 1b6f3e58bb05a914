import { randomUUID } from 'node:crypto';
import { backends } from '@clerk-sync/db/testing';
import { makeEvent } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';

const T0 = 1_760_000_000_000;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A `user.updated` that fails validation (no `updated_at`), so it is dead-lettered with the user's data. */
function poison(id: string, name: string, email: string) {
  const event = makeEvent({ kind: 'user', id, createdAt: T0 }, 'updated', T0 + 1);
  event.data.first_name = name;
  event.data.email_addresses = [{ id: `idn_${id}`, email_address: email }];
  delete event.data.updated_at;
  return event;
}

describe.each(backends)('a user.deleted applied by the worker on %s', (backend) => {
  it.each(['anonymize', 'hard'])(
    'purges the user’s dead letters in Redis (USER_DELETION=%s)',
    async (mode) => {
      harness = await startHarness({ backend, workerEnv: { USER_DELETION: mode } });
      const h = harness;
      const run = randomUUID().slice(0, 8);
      const zelda = { id: `user_zelda_${run}`, name: `Zelda${run}`, email: `zelda.${run}@example.test` };
      const link = { id: `user_link_${run}`, name: `Link${run}`, email: `link.${run}@example.test` };
      expect(await h.deliver(makeEvent({ kind: 'user', id: zelda.id, createdAt: T0 }, 'created', T0))).toBe(
        202,
      );
      expect(await h.deliver(poison(zelda.id, zelda.name, zelda.email), `msg_zelda_${run}`)).toBe(202);
      expect(await h.deliver(poison(link.id, link.name, link.email), `msg_link_${run}`)).toBe(202);
      const letters = () => h.worker.deadLetters.dead.getJobs(['waiting']);
      await waitFor(async () => (await letters()).length === 2, 10_000, 'two dead letters');
      const text = async () => JSON.stringify((await letters()).map((l) => l.data));
      expect(await text()).toContain(zelda.email);

      expect(
        await h.deliver(makeEvent({ kind: 'user', id: zelda.id, createdAt: T0 }, 'deleted', T0 + 10)),
      ).toBe(202);
      await h.idle();
      await waitFor(async () => !(await text()).includes(zelda.email), 10_000, 'the purge');
      const after = await text();
      expect(after).not.toContain(zelda.name);
      expect(after).toContain(link.email);
      expect(after).toContain(link.name);
      const letter = await h.worker.deadLetters.dead.getJob(`msg_zelda_${run}`);
      expect(letter?.data.payload).toMatchObject({ event: { type: 'user.updated', data: { id: zelda.id } } });
    },
  );

  it('purges a letter that arrives after the delete, at the next sweep', async () => {
    harness = await startHarness({ backend, workerEnv: { RETENTION_SWEEP_MS: '1000' } });
    const h = harness;
    const run = randomUUID().slice(0, 8);
    const zelda = { id: `user_late_${run}`, name: `Late${run}`, email: `late.${run}@example.test` };
    expect(await h.deliver(makeEvent({ kind: 'user', id: zelda.id, createdAt: T0 }, 'created', T0))).toBe(
      202,
    );
    expect(
      await h.deliver(makeEvent({ kind: 'user', id: zelda.id, createdAt: T0 }, 'deleted', T0 + 10)),
    ).toBe(202);
    await h.idle();
    // Dead-lettered after the delete's own purge has run: only the periodic one can find it.
    expect(await h.deliver(poison(zelda.id, zelda.name, zelda.email), `msg_late_${run}`)).toBe(202);
    const letter = () => h.worker.deadLetters.dead.getJob(`msg_late_${run}`);
    await waitFor(async () => (await letter()) !== undefined, 10_000, 'the dead letter');
    await waitFor(
      async () => !JSON.stringify((await letter())?.data).includes(zelda.email),
      10_000,
      'the sweep',
    );
    expect(JSON.stringify((await letter())?.data)).not.toContain(zelda.name);
  });
});

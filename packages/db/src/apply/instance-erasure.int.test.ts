import { type PreparedEvent, prepareEvent } from '@clerk-sync/events';
import { loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyEvents } from './apply-events.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

/**
 * Erasure in a schema that two instances share: a deletion in one instance, or an event of one
 * instance about a user of the other, never clears the other instance's rows (found by review).
 */
const A = 'ins_erasureA';
const B = 'ins_erasureB';
const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown, instanceId: string): PreparedEvent => ({
  ...prepareEvent({ v: 1, svixId: `msg_ie_${++n}`, receivedAt: Date.now(), event: event as never }),
  instanceId,
});
const example = (name: string) =>
  structuredClone(loadWebhookExamples().find((e) => e.file === `${name}.json`)?.event) as {
    data: Record<string, unknown>;
  };
const userWith = (id: string, email: string, action: 'created' | 'updated', at: number) => {
  const event = makeEvent({ kind: 'user', id, createdAt: T0 }, action, at);
  event.data.email_addresses = [{ id: `idn_${id}`, email_address: email }];
  event.data.primary_email_address_id = `idn_${id}`;
  return event;
};
const userDeleted = (id: string, at: number) => makeEvent({ kind: 'user', id, createdAt: T0 }, 'deleted', at);
const invitation = (id: string, email: string, at: number, userId: string | null = null) => {
  const event = example('organizationInvitation.created');
  Object.assign(event.data, { id, email_address: email, user_id: userId, updated_at: at });
  return event;
};
const email = (id: string, to: string, userId: string) => {
  const event = example('email.created');
  Object.assign(event.data, { id, to_email_address: to, user_id: userId });
  return event;
};

describe.each(backends)('erasure keeps to its instance, on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });
  const table = (name: string) => sql.table(`${database.schema}.${name}`);
  const invitationAddress = async (id: string) =>
    (
      await sql<{ email_address: string | null }>`
        SELECT email_address FROM ${table('organization_invitations')} WHERE id = ${id}`.execute(database.db)
    ).rows[0]?.email_address;
  const registryOf = async (userId: string) =>
    (
      await sql<{ kind: string; instance_id: string | null }>`
        SELECT kind, instance_id FROM ${table('erased_subjects')} WHERE user_id = ${userId} ORDER BY kind`.execute(
        database.db,
      )
    ).rows;

  describe.each(['anonymize', 'hard'] as const)('USER_DELETION=%s', (userDeletion) => {
    const privacy: PrivacyOptions = { ...defaultPrivacy, userDeletion, storeMessageContent: true };
    const apply = (events: PreparedEvent[]) => applyEvents(database.db, events, { privacy });
    const tag = `${userDeletion}_${backend}`;

    it("a delete from A of B's live user is a conflict that erases nothing", async () => {
      const id = `user_ie_live_${tag}`;
      const address = `bob.${tag}@b.test`;
      await apply([deliver(userWith(id, address, 'created', T0), B)]);
      await apply([deliver(invitation(`orginv_ie_live_${tag}`, address, T0 + 10), B)]);
      const [result] = await apply([deliver(userDeleted(id, T0 + 100), A)]);
      expect(result).toMatchObject({ outcome: 'conflict', conflict: { owner: B, writer: A } });
      expect(result?.erased).toBeUndefined();
      expect(await registryOf(id)).toEqual([]);
      expect(await invitationAddress(`orginv_ie_live_${tag}`)).toBe(address);
    });

    it("an update from A cannot choose what B's deletion of its user erases, row or tombstone", async () => {
      const id = `user_ie_choose_${tag}`;
      const victim = `victim.${tag}@c.test`;
      await apply([deliver(userWith(id, `carol.${tag}@b.test`, 'created', T0), B)]);
      await apply([deliver(invitation(`orginv_ie_choose_${tag}`, victim, T0 + 10), B)]);
      expect((await apply([deliver(userWith(id, victim, 'updated', T0 + 50), A)]))[0]?.outcome).toBe(
        'conflict',
      );
      await apply([deliver(userDeleted(id, T0 + 100), B)]);
      // After the delete (a tombstone row, or only a `tombstones` entry when hard), A tries again.
      expect((await apply([deliver(userWith(id, victim, 'updated', T0 + 200), A)]))[0]?.outcome).toBe(
        'conflict',
      );
      expect(await invitationAddress(`orginv_ie_choose_${tag}`)).toBe(victim);
      expect((await registryOf(id)).map((r) => r.instance_id)).toEqual([B, B]);
    });

    it("A's own rows that name B's user add nothing to what B's deletion erases", async () => {
      const id = `user_ie_named_${tag}`;
      const victim = `named.${tag}@c.test`;
      await apply([deliver(userWith(id, `dan.${tag}@b.test`, 'created', T0), B)]);
      await apply([
        deliver(invitation(`orginv_ie_named_b_${tag}`, victim, T0 + 10), B),
        deliver(email(`ema_ie_named_${tag}`, victim, id), A),
        deliver(invitation(`orginv_ie_named_a_${tag}`, victim, T0 + 10, id), A),
      ]);
      await apply([deliver(userDeleted(id, T0 + 100), B)]);
      expect(await invitationAddress(`orginv_ie_named_b_${tag}`)).toBe(victim);
      expect(await invitationAddress(`orginv_ie_named_a_${tag}`)).toBe(victim);
    });

    it("a deletion in A leaves B's rows with the same address, now and later", async () => {
      const id = `user_ie_same_${tag}`;
      const shared = `employee.${tag}@corp.test`;
      await apply([
        deliver(userWith(id, shared, 'created', T0), A),
        deliver(invitation(`orginv_ie_same_a_${tag}`, shared, T0 + 10), A),
        deliver(invitation(`orginv_ie_same_b_${tag}`, shared, T0 + 10), B),
      ]);
      await apply([deliver(userDeleted(id, T0 + 100), A)]);
      expect(await invitationAddress(`orginv_ie_same_a_${tag}`)).toBeNull();
      expect(await invitationAddress(`orginv_ie_same_b_${tag}`)).toBe(shared);
      await apply([
        deliver(invitation(`orginv_ie_later_b_${tag}`, shared, T0 + 200), B),
        deliver(invitation(`orginv_ie_later_a_${tag}`, shared, T0 + 200), A),
      ]);
      expect(await invitationAddress(`orginv_ie_later_b_${tag}`)).toBe(shared);
      expect(await invitationAddress(`orginv_ie_later_a_${tag}`)).toBeNull();
    });
  });
});

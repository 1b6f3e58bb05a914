import { addressHash, type PreparedEvent, prepareEvent } from '@clerk-sync/events';
import { loadWebhookExamples, makeEvent, TEST_INSTANCE_ID } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { userTable } from '../tables/user.table.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyChanges, applyEvents } from './apply-events.js';
import { entityChangeFor, tombstone } from './handlers.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

const T0 = 1_760_000_000_000;
let n = 0;
const deliver = (event: unknown): PreparedEvent =>
  prepareEvent({ v: 1, svixId: `msg_er_${++n}`, receivedAt: Date.now(), event: event as never });
/** One of Clerk's examples, as the instance of the factory's events sends it (email.created names another). */
const example = (name: string) => {
  const event = structuredClone(loadWebhookExamples().find((e) => e.file === `${name}.json`)?.event) as {
    type: string;
    timestamp: number;
    instance_id?: string;
    data: Record<string, unknown>;
  };
  event.instance_id = TEST_INSTANCE_ID;
  return event;
};

/** A user with a primary and a secondary address (and a phone), as `user.created` at `at`. */
function userCreated(id: string, primary: string, secondary: string, at = T0) {
  const created = makeEvent({ kind: 'user', id, createdAt: T0 }, 'created', at);
  created.data.email_addresses = [
    { id: `idn_${id}`, email_address: primary },
    { id: `idn_2_${id}`, email_address: secondary },
  ];
  created.data.phone_numbers = [{ id: `idn_ph_${id}`, phone_number: '+15555550142' }];
  created.data.primary_phone_number_id = `idn_ph_${id}`;
  return created;
}
const userDeleted = (id: string, at: number) => makeEvent({ kind: 'user', id, createdAt: T0 }, 'deleted', at);

function invitation(
  action: 'created' | 'accepted',
  id: string,
  email: string,
  updatedAt: number,
  userId: string | null = null,
) {
  const event = example(`organizationInvitation.${action}`);
  Object.assign(event.data, { id, email_address: email, user_id: userId, updated_at: updatedAt });
  return event;
}
function waitlist(action: 'created' | 'updated', id: string, email: string, updatedAt: number) {
  const event = example(`waitlistEntry.${action}`);
  Object.assign(event.data, { id, email_address: email, updated_at: updatedAt, invitation: null });
  return event;
}
function email(id: string, to: string, userId: string | null) {
  const event = example('email.created');
  Object.assign(event.data, { id, to_email_address: to, user_id: userId, subject: `Code for ${to}` });
  return event;
}

const deletions: ReadonlyArray<PrivacyOptions['userDeletion']> = ['anonymize', 'hard'];

describe.each(backends)('erasure that holds, on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });
  const table = (name: string) => sql.table(`${database.schema}.${name}`);
  const addressOf = async (name: 'organization_invitations' | 'waitlist_entries', id: string) =>
    (
      await sql<{
        email_address: string | null;
      }>`SELECT email_address FROM ${table(name)} WHERE id = ${id}`.execute(database.db)
    ).rows[0]?.email_address;
  const messageOf = async (id: string) =>
    (
      await sql<{
        to_address: string | null;
        subject: string | null;
        body: string | null;
        slug: string | null;
      }>`SELECT to_address, subject, body, slug FROM ${table('messages')} WHERE id = ${id}`.execute(
        database.db,
      )
    ).rows[0];
  const audit = async (entityId: string) =>
    (
      await sql<{ event_id: string; action: string; changed_fields: string[] }>`
        SELECT event_id, action, changed_fields FROM ${table('audit_log')} WHERE entity_id = ${entityId} ORDER BY id`.execute(
        database.db,
      )
    ).rows;

  it('gives SQL and JavaScript the same address hash', async () => {
    const values = [
      'zelda@example.test',
      ' Zelda@Example.TEST\t',
      'Über.Straße@Example.de',
      '+1 (555) 555-0142',
      '+15555550142',
      '',
      '  ',
    ];
    for (const value of values) {
      const { rows } = await sql<{
        hash: string | null;
      }>`SELECT ${sql.raw(`"${database.schema}"`)}.address_hash(${value}) AS hash`.execute(database.db);
      expect(rows[0]?.hash, JSON.stringify(value)).toBe(addressHash(value));
    }
  });

  describe.each(deletions)('USER_DELETION=%s', (userDeletion) => {
    const privacy: PrivacyOptions = { ...defaultPrivacy, userDeletion, storeMessageContent: true };
    const apply = (events: unknown[]) => applyEvents(database.db, events.map(deliver), { privacy });
    const tag = `${userDeletion}_${backend}`;

    it('lets no other instance choose what a user’s deletion erases', async () => {
      const id = `user_x_${tag}`;
      const bystander = `bystander.${tag}@example.test`;
      await apply([
        userCreated(id, `x.${tag}@example.test`, `x2.${tag}@example.test`),
        invitation('created', `orginv_x_${tag}`, bystander, T0 + 10),
      ]);
      // Another instance's event names the bystander's address as one of this user's: refused.
      const forged = deliver(userCreated(id, bystander, `x3.${tag}@example.test`, T0 + 30));
      const [result] = await applyEvents(database.db, [{ ...forged, instanceId: 'ins_other' }], { privacy });
      expect(result?.outcome).toBe('conflict');
      await apply([userDeleted(id, T0 + 100)]);
      expect(await addressOf('organization_invitations', `orginv_x_${tag}`)).toBe(bystander);
    });

    it('clears what a batch wrote before the delete in the same batch: invitation address, message recipient and subject (issue a)', async () => {
      const id = `user_a_${tag}`;
      const address = `a.${tag}@example.test`;
      await apply([userCreated(id, address, `a2.${tag}@example.test`)]);
      const remove = deliver(userDeleted(id, T0 + 50));
      await applyEvents(
        database.db,
        [
          deliver(email(`ema_a_${tag}`, address, id)),
          deliver(invitation('created', `orginv_a_${tag}`, address, T0 + 10)),
          remove,
        ],
        { privacy },
      );
      expect(await addressOf('organization_invitations', `orginv_a_${tag}`)).toBeNull();
      expect(await messageOf(`ema_a_${tag}`)).toMatchObject({
        to_address: null,
        subject: null,
        body: null,
        slug: 'verification_code',
      });
    });

    it('keeps an address erased against late events: invitation accepted, waitlist updated, email created (issue b)', async () => {
      const id = `user_b_${tag}`;
      const address = `b.${tag}@example.test`;
      await apply([
        userCreated(id, address, `b2.${tag}@example.test`),
        invitation('created', `orginv_b_${tag}`, address, T0 + 900),
      ]);
      await apply([waitlist('created', `wle_b_${tag}`, address, T0 + 900)]);
      await apply([userDeleted(id, T0 + 1000)]);
      expect(await addressOf('organization_invitations', `orginv_b_${tag}`)).toBeNull();
      expect(await addressOf('waitlist_entries', `wle_b_${tag}`)).toBeNull();

      const accepted = deliver(invitation('accepted', `orginv_b_${tag}`, address, T0 + 950, id));
      const updated = deliver(waitlist('updated', `wle_b_${tag}`, address, T0 + 2000));
      const late = deliver(email(`ema_b_${tag}`, address, null));
      const results = await applyEvents(database.db, [accepted, updated, late], { privacy });
      expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
      expect(await addressOf('organization_invitations', `orginv_b_${tag}`)).toBeNull();
      expect(await addressOf('waitlist_entries', `wle_b_${tag}`)).toBeNull();
      expect(await messageOf(`ema_b_${tag}`)).toMatchObject({ to_address: null, subject: null, body: null });
      // The rest of each late event is kept: only the address is refused.
      const status = await sql<{
        status: string;
      }>`SELECT status FROM ${table('organization_invitations')} WHERE id = ${`orginv_b_${tag}`}`.execute(
        database.db,
      );
      expect(status.rows).toEqual([{ status: 'accepted' }]);
      // Each later redaction is audited under the late event whose write it undid, by field name only.
      expect((await audit(`orginv_b_${tag}`)).at(-1)).toEqual({
        event_id: accepted.svixId,
        action: 'update',
        changed_fields: ['email_address'],
      });
      expect((await audit(`wle_b_${tag}`)).at(-1)).toMatchObject({
        event_id: updated.svixId,
        changed_fields: ['email_address'],
      });
      expect((await audit(`ema_b_${tag}`)).at(-1)).toEqual({
        event_id: late.svixId,
        action: 'update',
        changed_fields: ['to_address', 'subject', 'body'],
      });
    });

    it('clears a late SMS to the user’s phone number, however it is spelled', async () => {
      const id = `user_p_${tag}`;
      await apply([userCreated(id, `p.${tag}@example.test`, `p2.${tag}@example.test`)]);
      await apply([userDeleted(id, T0 + 100)]);
      const sms = example('sms.created');
      Object.assign(sms.data, { id: `sms_p_${tag}`, user_id: null, to_phone_number: '+1 (555) 555-0142' });
      const other = example('sms.created');
      Object.assign(other.data, { id: `sms_q_${tag}`, user_id: null, to_phone_number: '+15555550143' });
      await apply([sms, other]);
      expect(await messageOf(`sms_p_${tag}`)).toMatchObject({ to_address: null, body: null });
      expect(await messageOf(`sms_q_${tag}`)).toMatchObject({ to_address: '+15555550143' });
    });

    it('matches every address of the user, secondary ones too, whatever their case and spacing', async () => {
      const id = `user_c_${tag}`;
      const secondary = `Second.${tag}@Example.test`;
      await apply([userCreated(id, `c.${tag}@example.test`, secondary)]);
      await apply([
        invitation('created', `orginv_c1_${tag}`, ` SECOND.${tag}@example.TEST `, T0 + 10),
        waitlist('created', `wle_c_${tag}`, secondary.toLowerCase(), T0 + 10),
        invitation('created', `orginv_c2_${tag}`, `C.${tag}@EXAMPLE.test`, T0 + 10),
      ]);
      await apply([userDeleted(id, T0 + 100)]);
      expect(await addressOf('organization_invitations', `orginv_c1_${tag}`)).toBeNull();
      expect(await addressOf('organization_invitations', `orginv_c2_${tag}`)).toBeNull();
      expect(await addressOf('waitlist_entries', `wle_c_${tag}`)).toBeNull();
      await apply([invitation('accepted', `orginv_c3_${tag}`, `second.${tag}@example.test`, T0 + 200)]);
      expect(await addressOf('organization_invitations', `orginv_c3_${tag}`)).toBeNull();
    });

    it('records the erasure under the delete’s svix-id, and keeps hashes in the registry, never addresses', async () => {
      const id = `user_d_${tag}`;
      const address = `d.${tag}@example.test`;
      await apply([
        userCreated(id, address, `d2.${tag}@example.test`),
        invitation('created', `orginv_d_${tag}`, address, T0 + 10),
      ]);
      await apply([email(`ema_d_${tag}`, address, id)]);
      const remove = deliver(userDeleted(id, T0 + 100));
      const [result] = await applyEvents(database.db, [remove], { privacy });
      expect(result?.outcome).toBe('applied');

      expect((await audit(`orginv_d_${tag}`)).at(-1)).toEqual({
        event_id: remove.svixId,
        action: 'update',
        changed_fields: ['email_address'],
      });
      expect((await audit(`ema_d_${tag}`)).at(-1)).toEqual({
        event_id: remove.svixId,
        action: 'update',
        changed_fields: ['to_address', 'subject', 'body'],
      });
      const registry = await sql<{ subject: string; kind: string; event_id: string }>`
        SELECT subject, kind, event_id FROM ${table('erased_subjects')} WHERE user_id = ${id} ORDER BY kind, subject`.execute(
        database.db,
      );
      const hashes = [address, `d2.${tag}@example.test`].map((a) => addressHash(a) ?? '').sort();
      expect(registry.rows).toEqual([
        ...hashes.map((subject) => ({ subject, kind: 'email', event_id: remove.svixId })),
        { subject: addressHash('+15555550142'), kind: 'phone', event_id: remove.svixId },
        { subject: id, kind: 'user', event_id: remove.svixId },
      ]);
      // The phone number is hashed only when the copy may store one; here it may (message content).
      expect(result?.erased?.userId).toBe(id);
      expect([...(result?.erased?.addressHashes ?? [])].sort()).toEqual(
        [...hashes, addressHash('+15555550142')].sort(),
      );
      const text = JSON.stringify(
        (await sql`SELECT to_jsonb(r) AS row FROM ${table('erased_subjects')} r`.execute(database.db)).rows,
      );
      expect(text).not.toContain('@example.test');
      const left = await sql`SELECT 1 FROM ${table('user_address_hashes')} WHERE user_id = ${id}`.execute(
        database.db,
      );
      expect(left.rows).toEqual([]);
    });

    it('learns an address from a user.updated that arrives after the delete', async () => {
      const id = `user_e_${tag}`;
      await apply([userCreated(id, `e.${tag}@example.test`, `e2.${tag}@example.test`)]);
      await apply([invitation('created', `orginv_e_${tag}`, `late.${tag}@example.test`, T0 + 10)]);
      await apply([userDeleted(id, T0 + 100)]);
      expect(await addressOf('organization_invitations', `orginv_e_${tag}`)).toBe(`late.${tag}@example.test`);
      const updated = userCreated(id, `e.${tag}@example.test`, `late.${tag}@example.test`, T0 + 90);
      updated.type = 'user.updated';
      const [late] = await apply([updated]);
      expect(late?.outcome).toBe('stale');
      expect(await addressOf('organization_invitations', `orginv_e_${tag}`)).toBeNull();
    });

    it('leaves other users’ addresses alone', async () => {
      const id = `user_f_${tag}`;
      const other = `other.${tag}@example.test`;
      await apply([userCreated(id, `f.${tag}@example.test`, `f2.${tag}@example.test`)]);
      await apply([userCreated(`user_g_${tag}`, other, `g2.${tag}@example.test`)]);
      await apply([
        invitation('created', `orginv_g_${tag}`, other, T0 + 10, `user_g_${tag}`),
        waitlist('created', `wle_g_${tag}`, other, T0 + 10),
        email(`ema_g_${tag}`, other, `user_g_${tag}`),
      ]);
      await apply([userDeleted(id, T0 + 100)]);
      expect(await addressOf('organization_invitations', `orginv_g_${tag}`)).toBe(other);
      expect(await addressOf('waitlist_entries', `wle_g_${tag}`)).toBe(other);
      expect((await messageOf(`ema_g_${tag}`))?.to_address).toBe(other);
      const user = await database.db
        .selectFrom('users')
        .select('email')
        .where('id', '=', `user_g_${tag}`)
        .executeTakeFirst();
      expect(user?.email).toBe(other);
    });

    it('holds for a reconcile delete and against a backfill snapshot of the deleted user', async () => {
      const id = `user_h_${tag}`;
      const address = `h.${tag}@example.test`;
      const created = userCreated(id, address, `h2.${tag}@example.test`);
      await apply([created, invitation('created', `orginv_h_${tag}`, address, T0 + 10)]);
      await applyChanges(database.db, [tombstone(userTable, id, T0 + 100)], {
        instanceId: TEST_INSTANCE_ID,
        privacy,
        source: 'reconcile',
      });
      expect(await addressOf('organization_invitations', `orginv_h_${tag}`)).toBeNull();
      expect((await audit(`orginv_h_${tag}`)).at(-1)).toMatchObject({
        event_id: 'reconcile',
        changed_fields: ['email_address'],
      });
      const snapshot = deliver(userCreated(id, address, `h2.${tag}@example.test`, T0 + 500));
      if (!snapshot.handled || snapshot.version === null) throw new Error('snapshot not handled');
      const outcomes = await applyChanges(
        database.db,
        [entityChangeFor(snapshot.handled, snapshot.version, privacy)],
        { instanceId: TEST_INSTANCE_ID, privacy },
      );
      expect(outcomes).toEqual(['stale']);
      const text = JSON.stringify(
        (await sql`SELECT to_jsonb(u) AS row FROM ${table('users')} u WHERE id = ${id}`.execute(database.db))
          .rows,
      );
      expect(text).not.toContain(address);
    });
  });
});

import { prepareEvent } from '@clerk-sync/events';
import { loadWebhookExamples, makeEvent, TEST_INSTANCE_ID } from '@clerk-sync/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyEvents } from './apply-events.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

let n = 0;
const deliver = (event: unknown) =>
  prepareEvent({ v: 1, svixId: `msg_pa_${++n}`, receivedAt: Date.now(), event: event as never });
const T0 = 1_760_000_000_000;
/** One of Clerk's examples, from the instance of the factory's events (email.created names another). */
const example = (name: string) => {
  const event = structuredClone(loadWebhookExamples().find((e) => e.file === `${name}.json`)?.event);
  return { ...event, instance_id: TEST_INSTANCE_ID };
};

/** Every text value in every table of the schema, to prove a value is nowhere. */
async function schemaText(database: ClerkDatabase): Promise<string> {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = ${database.schema} AND table_type = 'BASE TABLE'`.execute(database.db);
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<{
      row: unknown;
    }>`SELECT to_jsonb(t) AS row FROM ${sql.table(`${database.schema}.${table_name}`)} t`.execute(
      database.db,
    );
    parts.push(JSON.stringify(rows.rows));
  }
  return parts.join('\n');
}

const phoneOf = (id: string) =>
  `+1555${[...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 10_000_000, 7)}`;

/** A user with an email, a phone and a message, an invitation and a waitlist entry under their address. */
function userHistory(id: string, email: string) {
  const created = makeEvent({ kind: 'user', id, createdAt: T0 }, 'created', T0);
  created.data.first_name = `Zelda-${id}`;
  created.data.last_name = `Quartermaine-${id}`;
  created.data.email_addresses = [{ id: `idn_${id}`, email_address: email }];
  created.data.primary_phone_number_id = `idn_phone_${id}`;
  created.data.phone_numbers = [{ id: `idn_phone_${id}`, phone_number: phoneOf(id) }];
  created.data.private_metadata = { stripe_customer: 'cus_secret_123' };
  const message = example('email.created') as { data: Record<string, unknown> };
  Object.assign(message.data, { id: `ema_${id}`, user_id: id, to_email_address: email });
  const invitation = example('organizationInvitation.created') as { data: Record<string, unknown> };
  Object.assign(invitation.data, { id: `orginv_${id}`, email_address: email, user_id: null });
  const waitlist = example('waitlistEntry.created') as { data: Record<string, unknown> };
  Object.assign(waitlist.data, { id: `wle_${id}`, email_address: email });
  return { created, message, invitation, waitlist };
}

describe.each(backends)('privacy, erasure and audit on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('keeps no private metadata, phone numbers, external accounts or message content by default', async () => {
    const { created, message } = userHistory('user_min', 'min@example.test');
    await applyEvents(database.db, [deliver(created), deliver(message)]);
    const row = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_min')
      .executeTakeFirst();
    expect(row).toMatchObject({
      email: 'min@example.test',
      phone_number: null,
      private_metadata: null,
      external_accounts: null,
    });
    const text = await schemaText(database);
    expect(text).not.toContain(phoneOf('user_min'));
    expect(text).not.toContain('cus_secret_123');
    expect(text).not.toContain('is your verification code');
    const stored = await sql<{ to_address: string | null; slug: string }>`
      SELECT to_address, slug FROM ${sql.table(`${database.schema}.messages`)} WHERE id = 'ema_user_min'`.execute(
      database.db,
    );
    expect(stored.rows).toEqual([{ to_address: null, slug: 'verification_code' }]);
  });

  it('stores the opt-in fields when configured', async () => {
    const privacy: PrivacyOptions = {
      ...defaultPrivacy,
      storePhoneNumbers: true,
      storePrivateMetadata: true,
      storeMessageContent: true,
    };
    const { created, message } = userHistory('user_opt', 'opt@example.test');
    await applyEvents(database.db, [deliver(created), deliver(message)], { privacy });
    const row = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_opt')
      .executeTakeFirst();
    expect(row).toMatchObject({
      phone_number: phoneOf('user_opt'),
      private_metadata: { stripe_customer: 'cus_secret_123' },
    });
    const stored = await sql<{
      to_address: string;
    }>`SELECT to_address FROM ${sql.table(`${database.schema}.messages`)} WHERE id = 'ema_user_opt'`.execute(
      database.db,
    );
    expect(stored.rows).toEqual([{ to_address: 'opt@example.test' }]);
  });

  it('after user.deleted, no table holds the user’s email, name or phone (anonymize)', async () => {
    const privacy: PrivacyOptions = { ...defaultPrivacy, storePhoneNumbers: true, storeMessageContent: true };
    const email = 'zelda.erase@example.test';
    const { created, message, invitation, waitlist } = userHistory('user_erase', email);
    await applyEvents(
      database.db,
      [deliver(created), deliver(message), deliver(invitation), deliver(waitlist)],
      { privacy },
    );
    expect(await schemaText(database)).toContain(email);
    await applyEvents(
      database.db,
      [deliver(makeEvent({ kind: 'user', id: 'user_erase', createdAt: T0 }, 'deleted', T0 + 5))],
      {
        privacy,
      },
    );
    const text = await schemaText(database);
    expect(text).toContain('Zelda-user_opt');
    for (const personal of [email, 'Zelda-user_erase', 'Quartermaine-user_erase', phoneOf('user_erase')]) {
      expect(text).not.toContain(personal);
    }
    const row = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'user_erase')
      .executeTakeFirst();
    expect(row).toMatchObject({ deleted_at: new Date(T0 + 5), email: null, created_at: new Date(T0) });
  });

  it('USER_DELETION=hard removes the row, keeps a minimal tombstone, and late events cannot bring it back', async () => {
    const privacy: PrivacyOptions = { ...defaultPrivacy, userDeletion: 'hard' };
    const u = { kind: 'user' as const, id: 'user_hard', createdAt: T0 };
    await applyEvents(database.db, [deliver(makeEvent(u, 'created', T0))], { privacy });
    const [deleted] = await applyEvents(database.db, [deliver(makeEvent(u, 'deleted', T0 + 5))], { privacy });
    expect(deleted?.outcome).toBe('applied');
    expect(
      await database.db.selectFrom('users').select('id').where('id', '=', 'user_hard').execute(),
    ).toEqual([]);
    const tomb =
      await sql`SELECT entity, id, version FROM ${sql.table(`${database.schema}.tombstones`)} WHERE id = 'user_hard'`.execute(
        database.db,
      );
    expect(tomb.rows).toEqual([{ entity: 'users', id: 'user_hard', version: T0 + 5 }]);
    const [late] = await applyEvents(database.db, [deliver(makeEvent(u, 'updated', T0 + 99))], { privacy });
    expect(late?.outcome).toBe('stale');
    expect(
      await database.db.selectFrom('users').select('id').where('id', '=', 'user_hard').execute(),
    ).toEqual([]);
  });

  it('audits each change by field name, never by value, and refuses to rewrite the audit log', async () => {
    const u = { kind: 'user' as const, id: 'user_audit', createdAt: T0 };
    const created = deliver(makeEvent(u, 'created', T0));
    const updated = makeEvent(u, 'updated', T0 + 1);
    updated.data.last_name = 'Renamed';
    const update = deliver(updated);
    const remove = deliver(makeEvent(u, 'deleted', T0 + 2));
    await applyEvents(database.db, [created]);
    await applyEvents(database.db, [update]);
    await applyEvents(database.db, [update]);
    await applyEvents(database.db, [remove]);
    const rows = await sql<{ event_id: string; action: string; changed_fields: string[]; version: number }>`
      SELECT event_id, action, changed_fields, version FROM ${sql.table(`${database.schema}.audit_log`)} WHERE entity_id = 'user_audit' ORDER BY id`.execute(
      database.db,
    );
    expect(rows.rows.map((r) => [r.event_id, r.action, r.version])).toEqual([
      [created.svixId, 'create', T0],
      [update.svixId, 'update', T0 + 1],
      [remove.svixId, 'delete', T0 + 2],
    ]);
    expect(rows.rows[0]?.changed_fields).toEqual(
      expect.arrayContaining(['email', 'first_name', 'created_at']),
    );
    expect(rows.rows[1]?.changed_fields).toEqual(
      expect.arrayContaining(['last_name', 'first_name', 'email', 'updated_at']),
    );
    expect(rows.rows[1]?.changed_fields).not.toContain('created_at');
    expect(rows.rows[2]?.changed_fields).toEqual(expect.arrayContaining(['deleted_at', 'email']));
    const auditText = JSON.stringify(
      (
        await sql`SELECT to_jsonb(a) AS row FROM ${sql.table(`${database.schema}.audit_log`)} a WHERE entity_id = 'user_audit'`.execute(
          database.db,
        )
      ).rows,
    );
    expect(auditText).not.toContain('Renamed');
    expect(auditText).not.toContain('@example.test');
    await expect(
      sql`UPDATE ${sql.table(`${database.schema}.audit_log`)} SET action = 'create'`.execute(database.db),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`DELETE FROM ${sql.table(`${database.schema}.audit_log`)}`.execute(database.db),
    ).rejects.toThrow(/append-only/);
  });

  it('answers the activity questions: daily, weekly and monthly active users, top users, signups per day', async () => {
    const day = Date.UTC(2026, 2, 2); // a Monday
    const events = [
      makeEvent({ kind: 'user', id: 'user_act_1', createdAt: day }, 'created', day),
      makeEvent({ kind: 'user', id: 'user_act_2', createdAt: day }, 'created', day),
    ];
    const sessions = [
      ['sess_a1', 'user_act_1', day + 3_600_000],
      ['sess_a2', 'user_act_1', day + 86_400_000],
      ['sess_b1', 'user_act_2', day + 7_200_000],
    ].map(([id, userId, at]) => {
      const s = example('session.created') as { data: Record<string, unknown> };
      Object.assign(s.data, { id, user_id: userId, last_active_at: at, updated_at: at, created_at: at });
      return s;
    });
    await applyEvents(database.db, [...events, ...sessions].map(deliver));
    const dau = await sql<{ period: Date; active_users: number }>`
      SELECT period, active_users FROM ${sql.table(`${database.schema}.daily_active_users`)} WHERE period >= ${new Date(day)} ORDER BY period`.execute(
      database.db,
    );
    expect(dau.rows.map((r) => r.active_users)).toEqual([2, 1]);
    const wau = await sql<{ active_users: number }>`
      SELECT active_users FROM ${sql.table(`${database.schema}.weekly_active_users`)} WHERE period = ${new Date(day)}`.execute(
      database.db,
    );
    expect(wau.rows).toEqual([{ active_users: 2 }]);
    const mau = await sql<{ active_users: number }>`
      SELECT active_users FROM ${sql.table(`${database.schema}.monthly_active_users`)} WHERE period = ${new Date(Date.UTC(2026, 2, 1))}`.execute(
      database.db,
    );
    expect(mau.rows).toEqual([{ active_users: 2 }]);
    const top = await sql<{ user_id: string; sessions: number }>`
      SELECT user_id, sessions FROM ${sql.table(`${database.schema}.top_users`)} WHERE user_id LIKE 'user_act_%' ORDER BY sessions DESC`.execute(
      database.db,
    );
    expect(top.rows).toEqual([
      { user_id: 'user_act_1', sessions: 2 },
      { user_id: 'user_act_2', sessions: 0 + 1 },
    ]);
    const signups = await sql<{ signups: number }>`
      SELECT signups FROM ${sql.table(`${database.schema}.signups_per_day`)} WHERE day = ${new Date(day)}`.execute(
      database.db,
    );
    expect(signups.rows).toEqual([{ signups: 2 }]);
  });
});

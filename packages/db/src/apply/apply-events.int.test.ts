import { type PreparedEvent, prepareEvent } from '@clerk-sync/events';
import { type FactoryEntity, loadWebhookExamples, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyEvents } from './apply-events.js';

let counter = 0;
const deliver = (event: unknown, svixId = `msg_${++counter}`): PreparedEvent =>
  prepareEvent({ v: 1, svixId, receivedAt: Date.now(), event: event as never });

const T0 = 1_750_000_000_000;
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });
const org = (id: string): FactoryEntity => ({ kind: 'organization', id, createdAt: T0 });
const membership = (id: string, userId: string, organizationId: string): FactoryEntity => ({
  kind: 'organization_membership',
  id,
  createdAt: T0,
  userId,
  organizationId,
});

describe.each(backends)('applyEvents on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  const userRow = (id: string) =>
    database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

  it('applies a create, then reports the same svix-id as a duplicate', async () => {
    const event = deliver(makeEvent(user('user_a'), 'created', T0), 'msg_dup');
    expect(await applyEvents(database.db, [event])).toEqual([{ svixId: 'msg_dup', outcome: 'applied' }]);
    expect(await applyEvents(database.db, [event, event])).toEqual([
      { svixId: 'msg_dup', outcome: 'duplicate' },
      { svixId: 'msg_dup', outcome: 'duplicate' },
    ]);
    const row = await userRow('user_a');
    expect(row).toMatchObject({
      email: `user_a.${T0}@example.test`,
      first_name: `First ${T0}`,
      version: T0,
      deleted_at: null,
      created_at: new Date(T0),
    });
    const inbox = await database.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('svix_id', '=', 'msg_dup')
      .execute();
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      type: 'user.created',
      entity_id: 'user_a',
      outcome: 'applied',
      event_version: T0,
    });
  });

  it('keeps the newer row when an older update arrives late', async () => {
    const u = user('user_b');
    await applyEvents(database.db, [deliver(makeEvent(u, 'updated', T0 + 2))]);
    expect(await applyEvents(database.db, [deliver(makeEvent(u, 'created', T0))])).toMatchObject([
      { outcome: 'stale' },
    ]);
    expect(await userRow('user_b')).toMatchObject({ version: T0 + 2, first_name: `First ${T0 + 2}` });
  });

  it('lets an update after a delete leave the user deleted, even with a newer version', async () => {
    const u = user('user_c');
    await applyEvents(database.db, [deliver(makeEvent(u, 'created', T0))]);
    expect(await applyEvents(database.db, [deliver(makeEvent(u, 'deleted', T0 + 10))])).toMatchObject([
      { outcome: 'applied' },
    ]);
    expect(await applyEvents(database.db, [deliver(makeEvent(u, 'updated', T0 + 20))])).toMatchObject([
      { outcome: 'stale' },
    ]);
    const row = await userRow('user_c');
    expect(row).toMatchObject({
      deleted_at: new Date(T0 + 10),
      version: T0 + 10,
      email: null,
      first_name: null,
      last_name: null,
      username: null,
      image_url: null,
      public_metadata: null,
      created_at: new Date(T0),
    });
  });

  it('turns a delete before the create into a tombstone that the create cannot undo', async () => {
    const u = user('user_d');
    await applyEvents(database.db, [deliver(makeEvent(u, 'deleted', T0 + 5))]);
    expect(await applyEvents(database.db, [deliver(makeEvent(u, 'created', T0))])).toMatchObject([
      { outcome: 'stale' },
    ]);
    const row = await userRow('user_d');
    expect(row).toMatchObject({ deleted_at: new Date(T0 + 5), email: null, first_name: null });
    // The stale create still fills in when the user signed up, which analytics need.
    expect(row?.created_at).toEqual(new Date(T0));
  });

  it('stores a membership that arrives before its user and organization', async () => {
    const m = membership('orgmem_e', 'user_e', 'org_e');
    expect(await applyEvents(database.db, [deliver(makeEvent(m, 'created', T0))])).toMatchObject([
      { outcome: 'applied' },
    ]);
    await applyEvents(database.db, [deliver(makeEvent(user('user_e'), 'created', T0 + 1))]);
    await applyEvents(database.db, [deliver(makeEvent(org('org_e'), 'created', T0 + 1))]);
    const members = await database.db
      .selectFrom('organization_members')
      .selectAll()
      .where('organization_id', '=', 'org_e')
      .execute();
    expect(members).toEqual([
      expect.objectContaining({
        user_id: 'user_e',
        email: `user_e.${T0 + 1}@example.test`,
        role: 'org:admin',
      }),
    ]);
  });

  it('on equal versions lets the event Clerk emitted later win, not the later arrival', async () => {
    const u = user('user_f');
    const first = makeEvent(u, 'updated', T0);
    const second = makeEvent(u, 'updated', T0);
    second.timestamp = T0 + 1;
    second.data.first_name = 'Renamed';
    expect(await applyEvents(database.db, [deliver(second)])).toMatchObject([{ outcome: 'applied' }]);
    expect(await applyEvents(database.db, [deliver(first)])).toMatchObject([{ outcome: 'stale' }]);
    expect(await userRow('user_f')).toMatchObject({ first_name: 'Renamed', version: T0, event_ts: T0 + 1 });
  });

  it('resolves several events for one entity inside one batch by version', async () => {
    const u = user('user_g');
    const results = await applyEvents(database.db, [
      deliver(makeEvent(u, 'updated', T0 + 3), 'msg_g3'),
      deliver(makeEvent(u, 'created', T0), 'msg_g0'),
      deliver(makeEvent(u, 'updated', T0 + 2), 'msg_g2'),
    ]);
    expect(results).toEqual([
      { svixId: 'msg_g3', outcome: 'applied' },
      { svixId: 'msg_g0', outcome: 'stale' },
      { svixId: 'msg_g2', outcome: 'stale' },
    ]);
    expect(await userRow('user_g')).toMatchObject({ version: T0 + 3, first_name: `First ${T0 + 3}` });
  });

  it('lets a delete in the same batch win over newer-looking updates', async () => {
    const u = user('user_h');
    const results = await applyEvents(database.db, [
      deliver(makeEvent(u, 'created', T0)),
      deliver(makeEvent(u, 'deleted', T0 + 1)),
      deliver(makeEvent(u, 'updated', T0 + 9)),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['stale', 'applied', 'stale']);
    expect(await userRow('user_h')).toMatchObject({ deleted_at: new Date(T0 + 1), first_name: null });
  });

  it('records unknown and not-yet-synced types as ignored', async () => {
    const results = await applyEvents(database.db, [
      deliver({ type: 'widget.created', timestamp: T0, data: { id: 'w_1' } }, 'msg_widget'),
    ]);
    expect(results).toEqual([{ svixId: 'msg_widget', outcome: 'ignored' }]);
    const inbox = await database.db
      .selectFrom('webhook_events')
      .select(['outcome', 'entity_id'])
      .where('svix_id', '=', 'msg_widget')
      .executeTakeFirst();
    expect(inbox).toEqual({ outcome: 'ignored', entity_id: 'w_1' });
  });

  it('applies every Clerk example payload and changes nothing when they are delivered again', async () => {
    const examples = loadWebhookExamples();
    // As a worker with CLERK_INSTANCE_ID routes them: every example is one instance's (some of Clerk's
    // name ins_123, older ones none).
    const batch = examples.map((e) => ({
      ...deliver(e.event, `msg_example_${e.file}`),
      instanceId: 'ins_examples',
    }));
    const first = await applyEvents(database.db, batch);
    expect(first.filter((r) => r.outcome === 'duplicate')).toEqual([]);
    const snapshot = async () => ({
      users: await database.db.selectFrom('users').selectAll().orderBy('id').execute(),
      organizations: await database.db.selectFrom('organizations').selectAll().orderBy('id').execute(),
      memberships: await database.db
        .selectFrom('organization_memberships')
        .selectAll()
        .orderBy('id')
        .execute(),
    });
    const before = await snapshot();
    const again = await applyEvents(database.db, batch);
    expect(again.every((r) => r.outcome === 'duplicate')).toBe(true);
    expect(await snapshot()).toEqual(before);
    const legacyMember = await database.db
      .selectFrom('organization_memberships')
      .selectAll()
      .where('id', '=', 'orgmem_29w9IptNja3mP8GDXpquBwN2qR9')
      .executeTakeFirst();
    expect(legacyMember).toMatchObject({
      role: 'org:admin',
      organization_id: 'org_29w9IfBrPmcpi0IeBVaKtA7R94W',
    });
  });
});

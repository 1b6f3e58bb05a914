import { type PreparedEvent, prepareEvent } from '@clerk-sync/events';
import {
  type ClerkEnvelope,
  type FactoryEntity,
  loadWebhookExamples,
  makeEvent,
  TEST_INSTANCE_ID,
} from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { userTable } from '../tables/user.table.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyChanges, applyEvents } from './apply-events.js';
import { tombstone } from './handlers.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

/**
 * docs/privacy.md: a deleted user's row keeps its id, `external_id` and `created_at`, and loses every
 * personal column. `external_id` is `keptOnDelete`: kept whether or not the delete event carries it,
 * and whatever the order in which the user's events arrive.
 */

const T0 = 1_765_000_000_000;
let n = 0;
const deliver = (event: unknown): PreparedEvent =>
  prepareEvent({ v: 1, svixId: `msg_kept_${++n}`, receivedAt: Date.now(), event: event as never });
const user = (id: string): FactoryEntity => ({ kind: 'user', id, createdAt: T0 });

/** A user event carrying personal data of every kind the defaults or the opt-ins store. */
function userEvent(id: string, action: 'created' | 'updated', version: number, externalId: string | null) {
  const event = makeEvent(user(id), action, version);
  Object.assign(event.data, {
    external_id: externalId,
    first_name: 'Zelda',
    last_name: 'Quartermaine',
    username: 'zq',
    public_metadata: { plan: 'pro' },
    private_metadata: { stripe: 'cus_1' },
    primary_phone_number_id: 'idn_phone',
    phone_numbers: [{ id: 'idn_phone', phone_number: '+15550100' }],
  });
  return event;
}

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const erased = {
  email: null,
  first_name: null,
  last_name: null,
  username: null,
  image_url: null,
  public_metadata: null,
  phone_number: null,
  private_metadata: null,
  external_accounts: null,
  web3_wallets: null,
};

describe.each(backends)('what a deleted user keeps, on %s', (backend) => {
  let database: ClerkDatabase;
  const privacy: PrivacyOptions = { ...defaultPrivacy, storePhoneNumbers: true, storePrivateMetadata: true };
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  const row = (id: string) =>
    database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  const apply = async (events: readonly ClerkEnvelope[]) => {
    const outcomes = [];
    for (const e of events) outcomes.push(...(await applyEvents(database.db, [deliver(e)], { privacy })));
    return outcomes.map((o) => o.outcome);
  };

  it('keeps id, external_id and created_at when the delete does not carry external_id, and erases the rest', async () => {
    const id = 'user_kept_1';
    await apply([userEvent(id, 'created', T0, 'ext_1')]);
    expect(await row(id)).toMatchObject({ phone_number: '+15550100', private_metadata: { stripe: 'cus_1' } });
    expect(await apply([makeEvent(user(id), 'deleted', T0 + 5)])).toEqual(['applied']);
    expect(await row(id)).toMatchObject({
      id,
      external_id: 'ext_1',
      created_at: new Date(T0),
      deleted_at: new Date(T0 + 5),
      ...erased,
    });
  });

  it('fills external_id into a tombstone that arrived before the user, and erases nothing back in', async () => {
    const id = 'user_kept_2';
    expect(await apply([makeEvent(user(id), 'deleted', T0 + 5)])).toEqual(['applied']);
    expect(await row(id)).toMatchObject({ external_id: null });
    expect(await apply([userEvent(id, 'created', T0, 'ext_2')])).toEqual(['stale']);
    expect(await row(id)).toMatchObject({ external_id: 'ext_2', created_at: new Date(T0), ...erased });
  });

  it("takes the delete's own external_id over the row's (Clerk's current user.deleted carries it)", async () => {
    const id = 'user_kept_3';
    const deleted = loadWebhookExamples().find((e) => e.file === 'user.deleted.json')?.event;
    if (!deleted) throw new Error('no user.deleted example');
    Object.assign(deleted.data, { id });
    deleted.timestamp = T0 + 5;
    await apply([userEvent(id, 'created', T0, 'ext_old'), deleted as unknown as ClerkEnvelope]);
    expect(await row(id)).toMatchObject({ external_id: 'ex_123456789', ...erased });
  });

  it('ends with the external_id set after sign-up, in every arrival order', async () => {
    const history = (id: string) => [
      userEvent(id, 'created', T0, null),
      userEvent(id, 'updated', T0 + 1, 'ext_linked'),
      makeEvent(user(id), 'deleted', T0 + 5),
    ];
    for (const [i, order] of permutations([0, 1, 2]).entries()) {
      const id = `user_kept_4_${i}`;
      const events = history(id);
      await apply(order.map((k) => events[k] as ClerkEnvelope));
      expect(await row(id)).toMatchObject({
        external_id: 'ext_linked',
        deleted_at: new Date(T0 + 5),
        ...erased,
      });
    }
  });

  it('fills only tombstones: a live row keeps the external_id its newest update cleared', async () => {
    const id = 'user_kept_5';
    await apply([userEvent(id, 'updated', T0 + 1, null)]);
    expect(await apply([userEvent(id, 'created', T0, 'ext_old')])).toEqual(['stale']);
    expect(await row(id)).toMatchObject({ external_id: null, first_name: 'Zelda', deleted_at: null });
  });

  it('keeps external_id on a reconcile tombstone, and a second identical tombstone changes nothing', async () => {
    const id = 'user_kept_6';
    await apply([userEvent(id, 'created', T0, 'ext_6')]);
    const gone = tombstone(userTable, id, T0 + 9);
    expect(
      await applyChanges(database.db, [gone], { instanceId: TEST_INSTANCE_ID, source: 'reconcile', privacy }),
    ).toEqual(['applied']);
    const before = await row(id);
    expect(before).toMatchObject({ external_id: 'ext_6', last_event_id: 'reconcile', ...erased });
    expect(
      await applyChanges(database.db, [gone], { instanceId: TEST_INSTANCE_ID, source: 'reconcile', privacy }),
    ).toEqual(['stale']);
    expect(await row(id)).toEqual(before);
  });

  it('keeps no row, and so no external_id, with USER_DELETION=hard', async () => {
    const id = 'user_kept_7';
    const hard = { ...privacy, userDeletion: 'hard' as const };
    await applyEvents(database.db, [deliver(userEvent(id, 'created', T0, 'ext_7'))], { privacy: hard });
    await applyEvents(database.db, [deliver(makeEvent(user(id), 'deleted', T0 + 5))], { privacy: hard });
    expect(await row(id)).toBeUndefined();
  });
});

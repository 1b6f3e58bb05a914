import { type FactoryEntity, makeEvent } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';

/** Names every plain object inherits: a lookup that is not limited to own keys finds something for each. */
const inherited = ['__proto__', 'constructor', 'toString'] as const;
const T0 = 1_760_000_000_000;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('names from a payload that Object.prototype also has', () => {
  it('records events of type __proto__, constructor and toString as ignored, and applies roles with those names', async () => {
    harness = await startHarness({ backend: 'postgres' });
    const h = harness;
    const deliveries: Array<{ svixId: string; event: unknown }> = inherited.map((type) => ({
      svixId: `msg_type_${type}`,
      event: { type, object: 'event', timestamp: T0, data: { id: `x_${type}`, updated_at: T0 } },
    }));
    for (const role of inherited) {
      const membership: FactoryEntity = {
        kind: 'organization_membership',
        id: `orgmem_${role}`,
        createdAt: T0,
        userId: 'user_proto',
        organizationId: 'org_proto',
      };
      const event = makeEvent(membership, 'created', T0);
      event.data.role = role;
      deliveries.push({ svixId: `msg_role_${role}`, event });
    }
    for (const d of deliveries) expect(await h.deliver(d.event, d.svixId)).toBe(202);

    const db = h.worker.database.db;
    await waitFor(
      async () =>
        (await db.selectFrom('webhook_events').select('svix_id').execute()).length === deliveries.length,
      15_000,
      'every delivery in the inbox',
    );
    await h.idle();
    const inbox = await db
      .selectFrom('webhook_events')
      .select(['svix_id', 'type', 'outcome'])
      .orderBy('svix_id')
      .execute();
    expect(inbox).toEqual(
      [
        ...inherited.map((type) => ({ svix_id: `msg_type_${type}`, type, outcome: 'ignored' })),
        ...inherited.map((role) => ({
          svix_id: `msg_role_${role}`,
          type: 'organizationMembership.created',
          outcome: 'applied',
        })),
      ].sort((a, b) => (a.svix_id < b.svix_id ? -1 : 1)),
    );
    const memberships = await db
      .selectFrom('organization_memberships')
      .select(['id', 'role'])
      .orderBy('id')
      .execute();
    expect(memberships).toEqual(
      inherited
        .map((role) => ({ id: `orgmem_${role}`, role: `org:${role}` }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(await h.worker.deadLetters.dead.getJobCountByTypes('waiting')).toBe(0);
  });
});

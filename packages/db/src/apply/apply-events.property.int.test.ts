import { prepareEvent } from '@clerk-sync/events';
import {
  type Action,
  type ClerkEnvelope,
  type FactoryEntity,
  makeEvent,
  seededRandom,
} from '@clerk-sync/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { applyEvents } from './apply-events.js';

/**
 * The ordering model's guard: for any history of creates, updates and deletes, any permutation of
 * its deliveries, with any duplication and any batch sizes, ends in the state of applying it in order.
 */

interface EntityPlan {
  updates: number[];
  deleteDelta: number | null;
  updatesAfterDelete: number[];
}

interface Scenario {
  users: EntityPlan[];
  organizations: EntityPlan[];
  memberships: { plan: EntityPlan; user: number; organization: number }[];
  seed: number;
}

const gap = fc.integer({ min: 1, max: 5_000 });
const planArb: fc.Arbitrary<EntityPlan> = fc.record({
  updates: fc.array(gap, { maxLength: 4 }),
  // Negative deltas model a delete whose envelope timestamp (seconds, normalised) sorts before
  // the last update's updated_at: the delete must still win.
  deleteDelta: fc.option(fc.integer({ min: -999, max: 5_000 }), { freq: 2 }),
  updatesAfterDelete: fc.array(gap, { maxLength: 2 }),
});
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  users: fc.array(planArb, { minLength: 1, maxLength: 3 }),
  organizations: fc.array(planArb, { minLength: 1, maxLength: 2 }),
  memberships: fc.array(
    fc.record({ plan: planArb, user: fc.nat({ max: 2 }), organization: fc.nat({ max: 1 }) }),
    { maxLength: 3 },
  ),
  seed: fc.integer(),
});

interface HistoryEvent {
  svixId: string;
  envelope: ClerkEnvelope;
}

interface Expected {
  table: 'users' | 'organizations' | 'organization_memberships';
  id: string;
  version: number;
  deleted: boolean;
}

const T0 = 1_760_000_000_000;

/** The history in order (per entity: create, updates, maybe delete, maybe late updates). */
function buildHistory(run: number, s: Scenario): { history: HistoryEvent[]; expected: Expected[] } {
  const history: HistoryEvent[] = [];
  const expected: Expected[] = [];
  const add = (entity: FactoryEntity, plan: EntityPlan, table: Expected['table']): void => {
    const push = (action: Action, version: number) => {
      history.push({ svixId: `msg_${run}_${history.length}`, envelope: makeEvent(entity, action, version) });
    };
    let version = entity.createdAt;
    push('created', version);
    for (const g of plan.updates) {
      version += g;
      push('updated', version);
    }
    if (plan.deleteDelta === null) {
      expected.push({ table, id: entity.id, version, deleted: false });
      return;
    }
    const deletedAt = version + plan.deleteDelta;
    push('deleted', deletedAt);
    for (const g of plan.updatesAfterDelete) {
      version += g;
      push('updated', version + Math.max(plan.deleteDelta, 0));
    }
    expected.push({ table, id: entity.id, version: deletedAt, deleted: true });
  };
  const userId = (i: number) => `user_r${run}_${Math.min(i, s.users.length - 1)}`;
  const orgId = (i: number) => `org_r${run}_${Math.min(i, s.organizations.length - 1)}`;
  for (const [i, plan] of s.users.entries())
    add({ kind: 'user', id: userId(i), createdAt: T0 + i }, plan, 'users');
  for (const [i, plan] of s.organizations.entries()) {
    add({ kind: 'organization', id: orgId(i), createdAt: T0 + i }, plan, 'organizations');
  }
  for (const [i, { plan, user, organization }] of s.memberships.entries()) {
    add(
      {
        kind: 'organization_membership',
        id: `orgmem_r${run}_${i}`,
        createdAt: T0 + 100 + i,
        userId: userId(user),
        organizationId: orgId(organization),
      },
      plan,
      'organization_memberships',
    );
  }
  return { history, expected };
}

/** Every event delivered 1–3 times, all deliveries shuffled, then cut into batches of 1–12. */
function deliveryPlan(history: HistoryEvent[], seed: number): HistoryEvent[][] {
  const rand = seededRandom(seed);
  const deliveries = history.flatMap((e) => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => e));
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j] as HistoryEvent, deliveries[i] as HistoryEvent];
  }
  const batches: HistoryEvent[][] = [];
  for (let i = 0; i < deliveries.length; ) {
    const size = 1 + Math.floor(rand() * 12);
    batches.push(deliveries.slice(i, i + size));
    i += size;
  }
  return batches;
}

const prepared = (e: HistoryEvent) =>
  prepareEvent({ v: 1, svixId: e.svixId, receivedAt: T0, event: e.envelope as never });

describe.each(backends)('ordering property on %s', (backend) => {
  let inOrder: ClerkDatabase;
  let shuffled: ClerkDatabase;
  beforeAll(async () => {
    [inOrder, shuffled] = await Promise.all([openTestDatabase(backend), openTestDatabase(backend)]);
  });
  afterAll(async () => {
    await Promise.all([inOrder?.close(), shuffled?.close()]);
  });

  const snapshot = async (database: ClerkDatabase, run: number) => {
    const like = `%_r${run}_%`;
    return {
      users: await database.db
        .selectFrom('users')
        .selectAll()
        .where('id', 'like', like)
        .orderBy('id')
        .execute(),
      organizations: await database.db
        .selectFrom('organizations')
        .selectAll()
        .where('id', 'like', like)
        .orderBy('id')
        .execute(),
      memberships: await database.db
        .selectFrom('organization_memberships')
        .selectAll()
        .where('id', 'like', like)
        .orderBy('id')
        .execute(),
    };
  };

  it('any permutation with duplicates and any batching equals applying the history in order', async () => {
    let run = 0;
    let deliveriesSeen = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        run += 1;
        const { history, expected } = buildHistory(run, scenario);
        for (const event of history) await applyEvents(inOrder.db, [prepared(event)]);
        const ordered = await snapshot(inOrder, run);

        // The in-order state is what the ordering model promises, checked against a model in plain JS.
        for (const e of expected) {
          const rows =
            e.table === 'users'
              ? ordered.users
              : e.table === 'organizations'
                ? ordered.organizations
                : ordered.memberships;
          const row = rows.find((r) => r.id === e.id);
          expect(row?.version).toBe(e.version);
          expect(row?.deleted_at !== null).toBe(e.deleted);
        }

        const batches = deliveryPlan(history, scenario.seed);
        deliveriesSeen += batches.flat().length;
        for (const batch of batches) await applyEvents(shuffled.db, batch.map(prepared));
        expect(await snapshot(shuffled, run)).toEqual(ordered);

        const inbox = await shuffled.db
          .selectFrom('webhook_events')
          .select(['svix_id'])
          .where('svix_id', 'like', `msg_${run}_%`)
          .execute();
        expect(inbox).toHaveLength(history.length);
      }),
      { numRuns: 60 },
    );
    expect(deliveriesSeen).toBeGreaterThan(60);
  });
});

import { type ClerkEnvelope, type FactoryEntity, makeEvent, type SyncedKind } from '../event-factory.js';

export interface HistoryEvent {
  svixId: string;
  entity: FactoryEntity;
  envelope: ClerkEnvelope;
}

/** What the copy must end up as for one entity: the result of applying its history once, in order. */
export interface ExpectedRow {
  kind: SyncedKind;
  id: string;
  deleted: boolean;
  version: number;
}

export interface History {
  events: HistoryEvent[];
  /** The oracle, computed in plain JS from the history, independent of the code under test. */
  expected: ExpectedRow[];
}

export interface HistoryOptions {
  users: number;
  organizations: number;
  memberships: number;
  /** Updates per entity are drawn from 0 to this. */
  maxUpdates: number;
  /** Share of entities that get deleted (some then receive late updates). */
  deleteRate: number;
  seed: number;
  prefix: string;
}

/** mulberry32: small, seeded, so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A realistic history: users, organizations and memberships are created, updated many times, some
 * deleted; some deleted entities still receive late updates (which must not bring them back); a
 * membership may refer to a user created later in the history.
 */
export function generateHistory(o: HistoryOptions): History {
  const rand = seededRandom(o.seed);
  const t0 = 1_760_000_000_000;
  const perEntity: HistoryEvent[][] = [];
  const expected: ExpectedRow[] = [];
  let n = 0;
  const add = (entity: FactoryEntity) => {
    const list: HistoryEvent[] = [];
    const push = (action: 'created' | 'updated' | 'deleted', version: number) => {
      list.push({ svixId: `msg_${o.prefix}_${n++}`, entity, envelope: makeEvent(entity, action, version) });
    };
    let version = entity.createdAt;
    push('created', version);
    const updates = Math.floor(rand() * (o.maxUpdates + 1));
    for (let i = 0; i < updates; i++) {
      version += 1 + Math.floor(rand() * 5000);
      push('updated', version);
    }
    if (rand() < o.deleteRate) {
      const deletedAt = version + 1 + Math.floor(rand() * 1000);
      push('deleted', deletedAt);
      expected.push({ kind: entity.kind, id: entity.id, deleted: true, version: deletedAt });
      if (rand() < 0.5) push('updated', deletedAt + 1 + Math.floor(rand() * 1000));
    } else {
      expected.push({ kind: entity.kind, id: entity.id, deleted: false, version });
    }
    perEntity.push(list);
  };
  const userId = (i: number) => `user_${o.prefix}_${i}`;
  const orgId = (i: number) => `org_${o.prefix}_${i}`;
  for (let i = 0; i < o.users; i++) add({ kind: 'user', id: userId(i), createdAt: t0 + i * 10 });
  for (let i = 0; i < o.organizations; i++)
    add({ kind: 'organization', id: orgId(i), createdAt: t0 + i * 10 });
  for (let i = 0; i < o.memberships; i++) {
    add({
      kind: 'organization_membership',
      id: `orgmem_${o.prefix}_${i}`,
      createdAt: t0 + i * 10,
      userId: userId(Math.floor(rand() * o.users)),
      organizationId: orgId(Math.floor(rand() * o.organizations)),
    });
  }
  // Interleave entities at random while keeping each entity's own order: the history as it happened.
  const events: HistoryEvent[] = [];
  const cursors = perEntity.map(() => 0);
  let remaining = perEntity.reduce((s, l) => s + l.length, 0);
  while (remaining > 0) {
    const i = Math.floor(rand() * perEntity.length);
    const list = perEntity[i] as HistoryEvent[];
    const at = cursors[i] as number;
    if (at >= list.length) continue;
    events.push(list[at] as HistoryEvent);
    cursors[i] = at + 1;
    remaining -= 1;
  }
  return { events, expected };
}

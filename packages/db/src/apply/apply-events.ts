import type { PreparedEvent } from '@clerk-sync/events';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { EntityChange } from './entity-change.js';
import { buildEntitySql, type EntitySql } from './entity-sql.js';
import { type EntityTable, entityTables } from './entity-tables.js';
import { changeFor } from './handlers.js';

export type ApplyOutcome = 'applied' | 'stale' | 'duplicate' | 'ignored';

export interface ApplyResult {
  svixId: string;
  outcome: ApplyOutcome;
}

const sqlByTable = new Map<EntityTable['name'], EntitySql>(
  entityTables.map((t) => [t.name, buildEntitySql(t)]),
);

const INSERT_INBOX = `INSERT INTO "webhook_events" ("svix_id", "type", "entity_id", "event_version", "received_at")
SELECT "svix_id", "type", "entity_id", "event_version", "received_at"
FROM jsonb_to_recordset($1::jsonb) AS x("svix_id" text, "type" text, "entity_id" text, "event_version" bigint, "received_at" timestamptz)
ON CONFLICT ("svix_id") DO NOTHING
RETURNING "svix_id"`;

const RECORD_OUTCOMES = `UPDATE "webhook_events" AS w SET "outcome" = x."outcome", "applied_at" = now()
FROM jsonb_to_recordset($1::jsonb) AS x("svix_id" text, "outcome" text)
WHERE w."svix_id" = x."svix_id"`;

interface Pending {
  /** Whose outcome this is: a svix-id, or a snapshot's position. */
  key: string;
  change: EntityChange;
  /** Position in the batch: among equal versions, the later arrival wins. */
  index: number;
}

/**
 * Applies a batch of deliveries in one transaction and reports each one's outcome, in input order.
 *
 * - `duplicate`: its svix-id is already in the inbox (or earlier in this batch); nothing else happens.
 * - `ignored`: a type we do not sync; recorded in the inbox only.
 * - `applied`: the row now reflects it.
 * - `stale`: an equal-or-newer version, or a tombstone, was already there (or arrived in the same
 *   batch); the row is unchanged except for immutable facts it lacked.
 *
 * The result does not depend on the order of deliveries, nor on how they are split into batches:
 * upserts are guarded by version, tombstones are final, and each statement writes rows sorted by id
 * so that concurrent batches lock rows in the same order.
 *
 * @example const results = await applyEvents(db, jobs.map((job) => prepareEvent(job.data)));
 */
export async function applyEvents(
  db: Kysely<Database>,
  events: readonly PreparedEvent[],
): Promise<ApplyResult[]> {
  if (events.length === 0) return [];
  const outcomes = new Map<string, ApplyOutcome>();
  const firstSeen = new Map<string, PreparedEvent>();
  for (const event of events) if (!firstSeen.has(event.svixId)) firstSeen.set(event.svixId, event);

  await db.transaction().execute(async (trx) => {
    const fresh = await insertInbox(trx, [...firstSeen.values()]);
    const pending: Pending[] = [];
    for (const event of fresh) {
      if (event.handled === null || event.version === null) {
        outcomes.set(event.svixId, 'ignored');
      } else {
        pending.push({
          key: event.svixId,
          change: changeFor(event.handled, event.version),
          index: pending.length,
        });
      }
    }
    await writeChanges(trx, pending, outcomes);
    const recorded = fresh.map((e) => ({ svix_id: e.svixId, outcome: outcomes.get(e.svixId) ?? 'stale' }));
    await run(trx, RECORD_OUTCOMES, recorded);
  });

  const reported = new Set<string>();
  return events.map(({ svixId }) => {
    const first = !reported.has(svixId);
    reported.add(svixId);
    return { svixId, outcome: first ? (outcomes.get(svixId) ?? 'duplicate') : 'duplicate' };
  });
}

async function insertInbox(trx: Transaction<Database>, events: PreparedEvent[]): Promise<PreparedEvent[]> {
  const rows = events
    .map((e) => ({
      svix_id: e.svixId,
      type: e.type,
      entity_id: e.entityId,
      event_version: e.version,
      received_at: new Date(e.receivedAt).toISOString(),
    }))
    .sort((a, b) => (a.svix_id < b.svix_id ? -1 : 1));
  const inserted = new Set((await run<{ svix_id: string }>(trx, INSERT_INBOX, rows)).map((r) => r.svix_id));
  return events.filter((e) => inserted.has(e.svixId));
}

/**
 * Applies entity changes that did not come through the inbox — Backend API snapshots from a backfill,
 * tombstones from a reconcile — with the same version guards, in one transaction. `alsoInTransaction`
 * runs inside it, so that a caller's checkpoint commits with the rows or not at all.
 * Returns `applied` or `stale` per change, in input order.
 */
export async function applyChanges(
  db: Kysely<Database>,
  changes: readonly EntityChange[],
  alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>,
): Promise<Array<'applied' | 'stale'>> {
  const outcomes = new Map<string, ApplyOutcome>();
  const pending = changes.map((change, index) => ({ key: String(index), change, index }));
  await db.transaction().execute(async (trx) => {
    await writeChanges(trx, pending, outcomes);
    await alsoInTransaction?.(trx);
  });
  return pending.map((p) => (outcomes.get(p.key) === 'applied' ? 'applied' : 'stale'));
}

async function writeChanges(
  trx: Transaction<Database>,
  pending: Pending[],
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  for (const table of entityTables) {
    const forTable = pending.filter((p) => p.change.table.name === table.name);
    if (forTable.length > 0) await writeTable(trx, table, forTable, outcomes);
  }
}

async function writeTable(
  trx: Transaction<Database>,
  table: EntityTable,
  pending: Pending[],
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  const statements = sqlByTable.get(table.name);
  if (!statements) throw new Error(`no SQL for table ${table.name}`);
  const winners = new Map<string, Pending>();
  const losers: Pending[] = [];
  for (const p of pending) {
    const current = winners.get(p.change.id);
    if (current === undefined) {
      winners.set(p.change.id, p);
    } else if (beats(p, current)) {
      winners.set(p.change.id, p);
      losers.push(current);
    } else {
      losers.push(p);
    }
  }
  const byId = (a: Pending, b: Pending) => (a.change.id < b.change.id ? -1 : 1);
  const upserts = [...winners.values()].filter((p) => p.change.kind === 'upsert').sort(byId);
  const deletes = [...winners.values()].filter((p) => p.change.kind === 'delete').sort(byId);

  const applied = new Set<string>();
  if (upserts.length > 0) {
    const rows = upserts.map((p) => rowOf(table, p.change));
    for (const r of await run<{ id: string }>(trx, statements.upsert, rows)) applied.add(r.id);
  }
  if (deletes.length > 0) {
    const rows = deletes.map((p) => ({ ...rowOf(table, p.change), deleted_at: p.change.deletedAt ?? null }));
    for (const r of await run<{ id: string }>(trx, statements.tombstone, rows)) applied.add(r.id);
  }

  const stale = [...losers];
  for (const p of winners.values()) {
    if (applied.has(p.change.id)) outcomes.set(p.key, 'applied');
    else stale.push(p);
  }
  for (const p of stale) outcomes.set(p.key, 'stale');
  const fills = stale
    .filter((p) => table.immutable.some((c) => p.change.values[c] != null))
    .sort(byId)
    .map((p) => rowOf(table, p.change));
  if (fills.length > 0) await run(trx, statements.fillImmutable, fills);
}

/** Deletes are final, so they beat upserts; otherwise the higher version wins, ties to the later arrival. */
function beats(challenger: Pending, current: Pending): boolean {
  const a = challenger.change;
  const b = current.change;
  if (a.kind !== b.kind) return a.kind === 'delete';
  if (a.version !== b.version) return a.version > b.version;
  return challenger.index > current.index;
}

function rowOf(table: EntityTable, change: EntityChange): Record<string, unknown> {
  const row: Record<string, unknown> = { id: change.id, version: change.version };
  for (const column of Object.keys(table.columns)) {
    const erased = change.kind === 'delete' && table.personal.includes(column);
    row[column] = erased ? null : (change.values[column] ?? null);
  }
  return row;
}

async function run<R>(trx: Transaction<Database>, text: string, rows: readonly object[]): Promise<R[]> {
  const result = await trx.executeQuery<R>(CompiledQuery.raw(text, [JSON.stringify(rows)]));
  return [...result.rows];
}

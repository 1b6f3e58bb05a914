import type { ErasedSubject, PreparedEvent } from '@clerk-sync/events';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import { schemaOf } from '../open-database.js';
import type { EntityTable } from '../schema/entity-table.js';
import { entityTables } from '../tables/entity-tables.js';
import { userTable } from '../tables/user.table.js';
import type { EntityChange, MessageChange } from './entity-change.js';
import { buildEntitySql, type EntitySql, qualified } from './entity-sql.js';
import { type Erasure, holdErasure, rememberAddresses } from './erasure.js';
import { changeFor, companionChanges } from './handlers.js';
import { compareOrderKeys, type OrderKey } from './order-key.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';
import { run } from './run-statement.js';

export type ApplyOutcome = 'applied' | 'stale' | 'duplicate' | 'ignored' | 'conflict';

/** Another instance owns the row a change was for: the change was not written (see `applyEvents`). */
export interface InstanceConflict {
  table: string;
  id: string;
  /** The instance that owns the row. */
  owner: string;
  /** The instance of the refused change; `null` when it named none. */
  writer: string | null;
}

export interface ApplyResult {
  svixId: string;
  outcome: ApplyOutcome;
  /**
   * On the delivery whose delete erased a user (for the first time): the user's id and the hashes of
   * their addresses, so the caller can purge them from other stores too (dead letters, retried jobs).
   */
  erased?: ErasedSubject;
  /** On a `conflict`: whose row it was. */
  conflict?: InstanceConflict;
}

export interface ApplyOptions {
  privacy?: PrivacyOptions;
}

/** Every statement of the apply path for one schema, built once and kept (schemas are few). */
interface SchemaSql {
  schema: string;
  byTable: Map<EntityTable['name'], EntitySql>;
  insertInbox: string;
  recordOutcomes: string;
  forgetInbox: string;
  insertMessages: string;
}

const sqlBySchema = new Map<string, SchemaSql>();

function sqlFor(schema: string): SchemaSql {
  let built = sqlBySchema.get(schema);
  if (!built) {
    const table = (name: string) => qualified(schema, name);
    built = {
      schema,
      byTable: new Map(entityTables.map((t) => [t.name, buildEntitySql(t, schema)])),
      insertInbox: INSERT_INBOX.replace('"webhook_events"', table('webhook_events')),
      recordOutcomes: RECORD_OUTCOMES.replace('"webhook_events"', table('webhook_events')),
      forgetInbox: FORGET_INBOX.replace('"webhook_events"', table('webhook_events')),
      insertMessages: INSERT_MESSAGES.replace('"messages"', table('messages')),
    };
    sqlBySchema.set(schema, built);
  }
  return built;
}

const INSERT_INBOX = `INSERT INTO "webhook_events" ("svix_id", "type", "entity_id", "event_version", "received_at", "instance_id")
SELECT "svix_id", "type", "entity_id", "event_version", "received_at", "instance_id"
FROM jsonb_to_recordset($1::jsonb) AS x("svix_id" text, "type" text, "entity_id" text, "event_version" bigint,
  "received_at" timestamptz, "instance_id" text)
ON CONFLICT ("svix_id") DO NOTHING
RETURNING "svix_id"`;

const RECORD_OUTCOMES = `UPDATE "webhook_events" AS w SET "outcome" = x."outcome", "applied_at" = clock_timestamp()
FROM jsonb_to_recordset($1::jsonb) AS x("svix_id" text, "outcome" text)
WHERE w."svix_id" = x."svix_id"`;

/** A refused delivery leaves the inbox, so that a replay (once the conflict is resolved) applies it. */
const FORGET_INBOX = `DELETE FROM "webhook_events" AS w USING jsonb_to_recordset($1::jsonb) AS x("svix_id" text)
WHERE w."svix_id" = x."svix_id"`;

const INSERT_MESSAGES = `INSERT INTO "messages" ("id", "kind", "user_id", "address_id", "slug", "status", "delivered_by_clerk",
  "to_address", "subject", "body", "created_at", "svix_id", "instance_id")
SELECT "id", "kind", "user_id", "address_id", "slug", "status", "delivered_by_clerk", "to_address", "subject", "body",
  "created_at", "svix_id", "instance_id"
FROM jsonb_to_recordset($1::jsonb) AS x("id" text, "kind" text, "user_id" text, "address_id" text, "slug" text,
  "status" text, "delivered_by_clerk" boolean, "to_address" text, "subject" text, "body" text,
  "created_at" timestamptz, "svix_id" text, "instance_id" text)
ON CONFLICT ("id") DO NOTHING
RETURNING "id"`;

interface Pending {
  /** Whose outcome this is: a svix-id, or a snapshot's position. */
  key: string;
  /** Stored as `last_event_id`: the svix-id, or `backfill` / `reconcile`. */
  eventId: string;
  /** The instance the change comes from; it may write only that instance's rows (and unowned ones). */
  instanceId: string | null;
  change: EntityChange;
  /** Where the change stands in its row's history; snapshots have no envelope time or svix-id. */
  order: OrderKey;
  /** Position in the batch: only between equal order keys (snapshots) does the later arrival win. */
  index: number;
}

/**
 * Applies a batch of deliveries in one transaction and reports each one's outcome, in input order.
 *
 * - `duplicate`: its svix-id is already in the inbox (or earlier in this batch); nothing else happens.
 * - `ignored`: a type this version does not know; recorded in the inbox only.
 * - `applied`: the row now reflects it.
 * - `stale`: a change later in the row's order (see `OrderKey`), or a tombstone, was already there (or
 *   arrived in the same batch); the row is unchanged except for immutable facts it lacked.
 * - `conflict`: the row belongs to another Clerk instance than the event's `instanceId` (which the
 *   caller sets to the instance that verified it). Nothing is written for it, not even its inbox row,
 *   so that a replay can apply it once the conflict is resolved; the result names the owner.
 *
 * Every row written records the event's instance. A row no instance owns yet (written before
 * instances were recorded) is claimed by the first instance that writes it.
 *
 * The result does not depend on the order of deliveries, nor on how they are split into batches:
 * upserts are guarded by the order key `(version, envelope timestamp, svix-id)`, which no two events
 * share, tombstones are final, and each statement writes rows sorted by id so that concurrent batches
 * lock rows in the same order. A deleted user's addresses stay erased whatever comes before or after
 * the delete: the registry in `erased_subjects` is applied after every other write of the batch (see
 * `holdErasure`), and the delete's result says whom it erased.
 *
 * @example const results = await applyEvents(db, jobs.map((job) => prepareEvent(job.data)));
 */
export async function applyEvents(
  db: Kysely<Database>,
  events: readonly PreparedEvent[],
  options: ApplyOptions = {},
): Promise<ApplyResult[]> {
  if (events.length === 0) return [];
  const statements = sqlFor(schemaOf(db));
  const privacy = options.privacy ?? defaultPrivacy;
  const outcomes = new Map<string, ApplyOutcome>();
  const firstSeen = new Map<string, PreparedEvent>();
  for (const event of events) if (!firstSeen.has(event.svixId)) firstSeen.set(event.svixId, event);
  const erasures = new Map<string, Erasure>();
  const conflicts = new Map<string, InstanceConflict>();

  await db.transaction().execute(async (trx) => {
    const fresh = await insertInbox(trx, statements, [...firstSeen.values()]);
    const pending: Pending[] = [];
    const messages: Array<{ key: string; change: MessageChange; instanceId: string | null }> = [];
    for (const event of fresh) {
      if (event.handled === null || event.version === null) {
        outcomes.set(event.svixId, 'ignored');
        continue;
      }
      const change = changeFor(event.handled, event.version, privacy);
      const { instanceId } = event;
      if (change.kind === 'message') messages.push({ key: event.svixId, change, instanceId });
      else {
        const order = { version: change.version, eventTs: event.eventTs, svixId: event.svixId };
        pending.push({
          key: event.svixId,
          eventId: event.svixId,
          instanceId,
          change,
          order,
          index: pending.length,
        });
      }
      // A companion (a session's user) has its own outcome key: the event's outcome is its own row's.
      for (const companion of companionChanges(event.handled, privacy)) {
        const order = { version: companion.version, eventTs: event.eventTs, svixId: event.svixId };
        const key = `${event.svixId}#${companion.table.name}`;
        pending.push({
          key,
          eventId: event.svixId,
          instanceId,
          change: companion,
          order,
          index: pending.length,
        });
      }
    }
    await writeChanges(trx, statements, pending, outcomes, privacy, conflicts);
    if (messages.length > 0) await writeMessages(trx, statements, messages, outcomes);
    const messageIds = messages.map((m) => m.change.id);
    for (const e of await holdErasure(trx, statements.schema, withOutcomes(pending, outcomes), messageIds))
      if (e.eventId) erasures.set(e.eventId, e);
    const recorded = fresh.map((e) => ({ svix_id: e.svixId, outcome: outcomes.get(e.svixId) ?? 'stale' }));
    await run(
      trx,
      statements.recordOutcomes,
      recorded.filter((r) => r.outcome !== 'conflict'),
    );
    const refused = recorded.filter((r) => r.outcome === 'conflict');
    if (refused.length > 0) await run(trx, statements.forgetInbox, refused);
  });

  const reported = new Set<string>();
  return events.map(({ svixId }) => {
    const first = !reported.has(svixId);
    reported.add(svixId);
    if (!first) return { svixId, outcome: 'duplicate' };
    const erased = erasures.get(svixId);
    const outcome = outcomes.get(svixId) ?? 'duplicate';
    const conflict = conflicts.get(svixId);
    if (conflict) return { svixId, outcome, conflict };
    return erased
      ? { svixId, outcome, erased: { userId: erased.userId, addressHashes: erased.addressHashes } }
      : { svixId, outcome };
  });
}

/**
 * Applies entity changes that did not come through the inbox — Backend API snapshots from a backfill,
 * tombstones from a reconcile — with the same version guards, in one transaction. `alsoInTransaction`
 * runs inside it, so that a caller's checkpoint commits with the rows or not at all.
 * Returns `applied` or `stale` per change, in input order.
 *
 * A snapshot has no envelope time and no svix-id, so it ranks below every webhook event of the same
 * version: it was read at some moment after that version was written, but Clerk changes objects
 * without bumping `updated_at`, and each such change comes with a webhook of its own. Letting the
 * snapshot win could put back a state that such a webhook had already replaced; letting the webhooks
 * win loses nothing, since the snapshot holds no change that they do not also deliver. Between two
 * snapshots of equal version the later one wins.
 */
export async function applyChanges(
  db: Kysely<Database>,
  changes: readonly EntityChange[],
  options: ApplyOptions & {
    source?: string;
    /**
     * The instance the changes come from (`GET /v1/instance` of the key that read them): rows of
     * other instances are left alone (`conflict`). `null` (an instance not known) writes only rows
     * that record no instance.
     */
    instanceId: string | null;
    alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>;
  },
): Promise<Array<'applied' | 'stale' | 'conflict'>> {
  const outcomes = new Map<string, ApplyOutcome>();
  const eventId = options.source ?? 'backfill';
  const { instanceId } = options;
  const pending = changes.map((change, index) => ({
    key: String(index),
    eventId,
    instanceId,
    change,
    order: { version: change.version, eventTs: null, svixId: null },
    index,
  }));
  const statements = sqlFor(schemaOf(db));
  await db.transaction().execute(async (trx) => {
    await writeChanges(trx, statements, pending, outcomes, options.privacy ?? defaultPrivacy, new Map());
    await holdErasure(trx, statements.schema, withOutcomes(pending, outcomes), []);
    await options.alsoInTransaction?.(trx);
  });
  return pending.map((p) => {
    const outcome = outcomes.get(p.key);
    return outcome === 'applied' || outcome === 'conflict' ? outcome : 'stale';
  });
}

async function insertInbox(
  trx: Transaction<Database>,
  statements: SchemaSql,
  events: PreparedEvent[],
): Promise<PreparedEvent[]> {
  const rows = events
    .map((e) => ({
      svix_id: e.svixId,
      type: e.type,
      entity_id: e.entityId,
      event_version: e.version,
      received_at: new Date(e.receivedAt).toISOString(),
      instance_id: e.instanceId,
    }))
    .sort((a, b) => (a.svix_id < b.svix_id ? -1 : 1));
  const inserted = new Set(
    (await run<{ svix_id: string }>(trx, statements.insertInbox, rows)).map((r) => r.svix_id),
  );
  return events.filter((e) => inserted.has(e.svixId));
}

async function writeChanges(
  trx: Transaction<Database>,
  statements: SchemaSql,
  pending: Pending[],
  outcomes: Map<string, ApplyOutcome>,
  privacy: PrivacyOptions,
  conflicts: Map<string, InstanceConflict>,
): Promise<void> {
  for (const table of entityTables) {
    const forTable = pending.filter((p) => p.change.table.name === table.name);
    if (forTable.length > 0) await writeTable(trx, statements, table, forTable, outcomes, privacy, conflicts);
  }
}

async function writeTable(
  trx: Transaction<Database>,
  schemaSql: SchemaSql,
  table: EntityTable,
  pending: Pending[],
  outcomes: Map<string, ApplyOutcome>,
  privacy: PrivacyOptions,
  conflicts: Map<string, InstanceConflict>,
): Promise<void> {
  const statements = schemaSql.byTable.get(table.name);
  if (!statements) throw new Error(`no SQL for table ${table.name}`);
  // One winner per row and instance (see `writeWinners` for two instances naming one id).
  const winners = new Map<string, Pending>();
  const losers: Pending[] = [];
  for (const p of pending) {
    const slot = `${p.instanceId ?? ''}\u0000${p.change.id}`;
    const current = winners.get(slot);
    if (current === undefined) {
      winners.set(slot, p);
    } else if (beats(p, current)) {
      winners.set(slot, p);
      losers.push(current);
    } else {
      losers.push(p);
    }
  }
  if (table.name === userTable.name) {
    const ids = new Set([...winners.values()].map((p) => p.change.id));
    await lockRows(trx, schemaSql.schema, table, statements, ids);
    await rememberAddresses(trx, schemaSql.schema, pending);
  }
  const applied = await writeWinners(trx, table, statements, privacy, [...winners.values()]);

  let stale = [...losers];
  for (const p of winners.values()) {
    if (applied.has(p)) outcomes.set(p.key, 'applied');
    else stale.push(p);
  }
  if (stale.length > 0) stale = await withoutConflicts(trx, table, statements, stale, outcomes, conflicts);
  for (const p of stale) outcomes.set(p.key, 'stale');
  const fills = fillRows(table, stale);
  if (fills.length > 0) await run(trx, statements.fillImmutable, fills);
}

/**
 * Writes the winners, one statement per kind, and returns those that applied. A statement may touch
 * an id once, so when two instances' changes name one id (only a misconfiguration or a forged event
 * does that) they go in rounds, in arrival order: the first claims or owns the row, the guard refuses
 * the other.
 */
async function writeWinners(
  trx: Transaction<Database>,
  table: EntityTable,
  statements: EntitySql,
  privacy: PrivacyOptions,
  winners: readonly Pending[],
): Promise<Set<Pending>> {
  const rounds: Pending[][] = [];
  const seen = new Map<string, number>();
  for (const p of winners) {
    const round = seen.get(p.change.id) ?? 0;
    seen.set(p.change.id, round + 1);
    const members = rounds[round] ?? [];
    members.push(p);
    rounds[round] = members;
  }
  const byId = (a: Pending, b: Pending) => (a.change.id < b.change.id ? -1 : 1);
  const hard = table.name === userTable.name && privacy.userDeletion === 'hard';
  const applied = new Set<Pending>();
  for (const round of rounds) {
    const upserts = round.filter((p) => p.change.kind === 'upsert').sort(byId);
    const deletes = round.filter((p) => p.change.kind === 'delete').sort(byId);
    const written = new Set<string>();
    if (upserts.length > 0) {
      const rows = upserts.map((p) => rowOf(table, p));
      for (const r of await run<{ id: string }>(trx, statements.upsert, rows)) written.add(r.id);
    }
    if (deletes.length > 0) {
      const rows = deletes.map((p) => ({ ...rowOf(table, p), deleted_at: p.change.deletedAt ?? null }));
      const statement = hard ? statements.hardDelete : statements.tombstone;
      for (const r of await run<{ id: string }>(trx, statement, rows)) written.add(r.id);
    }
    for (const p of round) if (written.has(p.change.id)) applied.add(p);
  }
  return applied;
}

/**
 * Of the changes that did not apply, those refused because another instance owns the row: marked
 * `conflict` (with the owner, for the dead letter's reason). Returns the rest, which are stale.
 */
async function withoutConflicts(
  trx: Transaction<Database>,
  table: EntityTable,
  statements: EntitySql,
  unapplied: Pending[],
  outcomes: Map<string, ApplyOutcome>,
  conflicts: Map<string, InstanceConflict>,
): Promise<Pending[]> {
  const ids = [...new Set(unapplied.map((p) => p.change.id))].sort().map((id) => ({ id }));
  const owners = new Map(
    (await run<{ id: string; instance_id: string }>(trx, statements.owners, ids)).map((r) => [
      r.id,
      r.instance_id,
    ]),
  );
  return unapplied.filter((p) => {
    const owner = owners.get(p.change.id);
    if (owner === undefined || owner === p.instanceId) return true;
    outcomes.set(p.key, 'conflict');
    conflicts.set(p.key, { table: table.name, id: p.change.id, owner, writer: p.instanceId });
    return false;
  });
}

/**
 * One row per id of what stale changes can still fill in: for each immutable or `keptOnDelete`
 * column, the value of the latest change (by order key) that has one. One row per id, because an
 * `UPDATE … FROM` that matches a row several times applies only one of them, and which one is up to
 * the plan: a fact missing from that one would stay missing.
 */
function fillRows(table: EntityTable, stale: readonly Pending[]): Array<Record<string, unknown>> {
  const columns = [...table.immutable, ...table.keptOnDelete];
  const rows = new Map<string, Record<string, unknown>>();
  for (const p of [...stale].sort((a, b) => compareOrderKeys(b.order, a.order))) {
    for (const column of columns) {
      const value = p.change.values[column];
      if (value == null) continue;
      const row = rows.get(p.change.id) ?? { id: p.change.id, instance_id: p.instanceId };
      if (!Object.hasOwn(row, column)) row[column] = value;
      rows.set(p.change.id, row);
    }
  }
  return [...rows.values()].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
}

/**
 * A hard-deleted user has no row left to lock, only an entry in `tombstones`, and a transaction does
 * not see another's uncommitted entry: without this, an older update applied while a hard delete is
 * still open passes the "not hard-deleted" check and brings the user back beside the tombstone. So
 * every writer of `users` (webhooks, backfill, reconcile) first takes a transaction-scoped advisory
 * lock per id; the next statement then starts after any concurrent writer of those ids committed and
 * sees its tombstone. PGlite has one connection, so there it never waits.
 */
async function lockRows(
  trx: Transaction<Database>,
  schema: string,
  table: EntityTable,
  statements: EntitySql,
  ids: Iterable<string>,
): Promise<void> {
  const keys = [...ids].map((id) => ({ key: `clerk-sync/${schema}/${table.name}/${id}` }));
  await run(trx, statements.lockRows, keys);
}

async function writeMessages(
  trx: Transaction<Database>,
  statements: SchemaSql,
  messages: Array<{ key: string; change: MessageChange; instanceId: string | null }>,
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  const rows = messages
    .map(({ key, change, instanceId }) => ({
      id: change.id,
      svix_id: key,
      instance_id: instanceId,
      ...change.values,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const inserted = new Set(
    (await run<{ id: string }>(trx, statements.insertMessages, rows)).map((r) => r.id),
  );
  const claimed = new Set<string>();
  for (const { key, change } of messages) {
    const first = inserted.has(change.id) && !claimed.has(change.id);
    claimed.add(change.id);
    outcomes.set(key, first ? 'applied' : 'stale');
  }
}

/** The batch's changes, each with whether it applied, for the erasure step. */
function withOutcomes(pending: Pending[], outcomes: Map<string, ApplyOutcome>) {
  return pending.map((p) => {
    const outcome = outcomes.get(p.key);
    return { ...p, applied: outcome === 'applied', conflict: outcome === 'conflict' };
  });
}

/**
 * Deletes are final, so they beat upserts; otherwise the later order key wins. Equal keys (two
 * snapshots of one version) go as the SQL guards would take them one after the other: an upsert
 * replaces an equal one (`<=`), a tombstone does not (`<`).
 */
function beats(challenger: Pending, current: Pending): boolean {
  const a = challenger.change;
  const b = current.change;
  if (a.kind !== b.kind) return a.kind === 'delete';
  const order = compareOrderKeys(challenger.order, current.order);
  if (order !== 0) return order > 0;
  return a.kind === 'upsert' && challenger.index > current.index;
}

function rowOf(table: EntityTable, p: Pending): Record<string, unknown> {
  const { change } = p;
  const row: Record<string, unknown> = {
    id: change.id,
    version: change.version,
    last_event_id: p.eventId,
    event_ts: p.order.eventTs,
    svix_id: p.order.svixId,
    instance_id: p.instanceId,
  };
  for (const column of Object.keys(table.columns)) {
    const erased = change.kind === 'delete' && table.personal.includes(column);
    row[column] = erased ? null : (change.values[column] ?? null);
  }
  return row;
}

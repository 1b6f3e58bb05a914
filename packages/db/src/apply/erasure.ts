import { addressHash, type ErasedSubject } from '@clerk-sync/events';
import type { Transaction } from 'kysely';
import type { Database } from '../database.js';
import { userTable } from '../tables/user.table.js';
import type { EntityChange } from './entity-change.js';
import { addressTables, erasureSqlFor } from './erasure-sql.js';
import { run } from './run-statement.js';

/** A change of the batch, with the delivery that brought it (a svix-id, or `backfill` / `reconcile`). */
export interface BatchChange {
  eventId: string;
  change: EntityChange;
  /** The instance it comes from: a user of another instance learns no addresses from it. */
  instanceId?: string | null;
  /** Whether the row now reflects it. A user upsert that applied is a live user, never an erased one. */
  applied?: boolean;
  /** Refused: the row belongs to another instance. Such a change erases nothing and reveals nothing. */
  conflict?: boolean;
}

/** A user this batch erased, with the svix-id of the delete that did it. */
export interface Erasure extends ErasedSubject {
  eventId: string | null;
}

/**
 * Right to erasure, part one, before a batch writes `users`: keeps the hash of every address its user
 * upserts carry (stale ones too: an address is the user's whatever the order), and of the addresses
 * that the rows of the users it deletes still hold, which their tombstones are about to clear. An
 * upsert of another instance's user (refused by the guards) adds nothing: it must not choose what
 * that user's deletion will erase.
 */
export async function rememberAddresses(
  trx: Transaction<Database>,
  schema: string,
  changes: readonly BatchChange[],
): Promise<void> {
  const addresses: Array<{
    user_id: string;
    hash: string;
    kind: 'email' | 'phone';
    instance_id: string | null;
  }> = [];
  const deleted: string[] = [];
  for (const { change, instanceId = null } of changes) {
    if (change.table.name !== userTable.name) continue;
    if (change.kind === 'delete') deleted.push(change.id);
    for (const address of change.addresses ?? []) {
      const hash = addressHash(address);
      const kind = address.includes('@') ? 'email' : 'phone';
      if (hash) addresses.push({ user_id: change.id, hash, kind, instance_id: instanceId });
    }
  }
  if (addresses.length > 0 || deleted.length > 0) {
    await run(trx, erasureSqlFor(schema).remember, addresses, deleted);
  }
}

/**
 * Right to erasure, part two, after every other write of the batch, so that the order of events
 * within a batch does not matter: registers the deleted users this batch touched in
 * `erased_subjects` (their id and every address hash known for them, including any that a late,
 * stale `user.updated` just revealed), then clears every row that matches the registry among the
 * rows this batch wrote, and every row of the subjects just registered. So a late event that would
 * bring an erased address back has it cleared before commit.
 *
 * Returns the users erased for the first time, for the caller to purge elsewhere (Redis).
 */
export async function holdErasure(
  trx: Transaction<Database>,
  schema: string,
  changes: readonly BatchChange[],
  messageIds: readonly string[],
): Promise<Erasure[]> {
  const statements = erasureSqlFor(schema);
  const users = new Map<string, boolean>();
  const written = new Map<string, Set<string>>();
  for (const { change, applied, conflict } of changes) {
    if (conflict) continue;
    if (change.table.name === userTable.name) {
      // Deletes, and upserts that did not apply: the user may be erased (then the upsert is late).
      if (change.kind === 'delete' || !applied)
        users.set(change.id, users.get(change.id) === true || change.kind === 'delete');
    } else {
      const ids = written.get(change.table.name) ?? new Set<string>();
      written.set(change.table.name, ids.add(change.id));
    }
  }

  const fresh =
    users.size > 0
      ? await run<{ subject: string; kind: string; user_id: string; event_id: string | null }>(
          trx,
          statements.register,
          [...users].sort(([a], [b]) => (a < b ? -1 : 1)).map(([user_id, deleted]) => ({ user_id, deleted })),
        )
      : [];
  const subjects = fresh.map((r) => ({ subject: r.subject, event_id: r.event_id }));

  for (const { table } of addressTables) {
    const ids = [...(written.get(table.name) ?? [])].sort();
    const statement = statements.redact.get(table.name);
    if (statement && (ids.length > 0 || subjects.length > 0)) await run(trx, statement, subjects, ids);
  }
  if (messageIds.length > 0 || subjects.length > 0) {
    await run(trx, statements.redactMessages, subjects, [...messageIds].sort());
  }

  const hashes = new Map<string, string[]>();
  for (const r of fresh)
    if (r.kind !== 'user') hashes.set(r.user_id, [...(hashes.get(r.user_id) ?? []), r.subject]);
  return fresh
    .filter((r) => r.kind === 'user')
    .map((r) => ({ userId: r.user_id, eventId: r.event_id, addressHashes: hashes.get(r.user_id) ?? [] }));
}

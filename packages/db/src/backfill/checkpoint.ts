import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';

/** Where a backfill of one object type stands: the next page to fetch, and how far it got. */
export interface Checkpoint {
  /** The last object id seen, for cursor-paged lists (users); NULL otherwise or before the first page. */
  cursor: string | null;
  /** The offset of the next page, for offset-paged lists. */
  nextOffset: number;
  /** Objects synced so far in this run, across interruptions. */
  seen: number;
  total: number | null;
  /** The last page was written: the next run starts over. */
  done: boolean;
}

/** The saved checkpoint of `objectType` (a backfill source's name), if a run has saved one. */
export async function readCheckpoint(
  db: Kysely<Database> | Transaction<Database>,
  objectType: string,
): Promise<Checkpoint | undefined> {
  const row = await db
    .selectFrom('sync_state')
    .select(['cursor', 'next_offset', 'seen', 'total', 'done'])
    .where('object_type', '=', objectType)
    .executeTakeFirst();
  return (
    row && {
      cursor: row.cursor,
      nextOffset: row.next_offset,
      seen: row.seen,
      total: row.total,
      done: row.done,
    }
  );
}

/**
 * Records `objectType`'s checkpoint. Call it inside the transaction that writes the page (see
 * `applyChanges`' `alsoInTransaction`), so that the rows and the checkpoint commit together.
 *
 * @example await applyChanges(db, changes, { alsoInTransaction: (trx) => saveCheckpoint(trx, 'users', at) });
 */
export async function saveCheckpoint(
  db: Kysely<Database> | Transaction<Database>,
  objectType: string,
  checkpoint: Checkpoint,
): Promise<void> {
  const row = {
    cursor: checkpoint.cursor,
    next_offset: checkpoint.nextOffset,
    seen: checkpoint.seen,
    total: checkpoint.total,
    done: checkpoint.done,
    updated_at: new Date(),
  };
  await db
    .insertInto('sync_state')
    .values({ object_type: objectType, ...row })
    .onConflict((oc) => oc.column('object_type').doUpdateSet(row))
    .execute();
}

/** Forgets every checkpoint, so that the next backfill starts each type from the beginning. */
export async function clearCheckpoints(db: Kysely<Database> | Transaction<Database>): Promise<void> {
  await db.deleteFrom('sync_state').execute();
}

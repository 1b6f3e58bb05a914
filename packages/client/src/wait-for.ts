import type { Database, EntityTableName } from '@clerk-sync/db/types';
import { type Kysely, sql } from 'kysely';
import type { NotificationListener } from './notification-listener.js';
import { subscribe } from './subscribe.js';

export interface WaitForOptions {
  /** Resolve once the row's `version` is at least this (epoch ms, Clerk's `updated_at`). */
  minVersion: number;
  /** Reject after this long. @defaultValue 10000 */
  timeoutMs?: number;
  /** How often to look at the feed without a notification. @defaultValue 250 */
  pollIntervalMs?: number;
  /** Stops waiting (the promise rejects with the signal's reason). The client's `close()` aborts too. */
  signal?: AbortSignal;
}

/** The row as {@link waitFor} found it. */
export interface RowVersion {
  version: number;
  /** A tombstone: deleted in Clerk (`deleted_at` set, or removed with `USER_DELETION=hard`). */
  deleted: boolean;
}

/** {@link waitFor} gave up: the row did not reach the version in time. */
export class WaitForTimeoutError extends Error {
  constructor(entity: string, id: string, minVersion: number, timeoutMs: number) {
    super(`${entity} ${id} did not reach version ${minVersion} within ${timeoutMs} ms`);
    this.name = 'WaitForTimeoutError';
  }
}

/**
 * Resolves when row `id` of `entity` has reached `minVersion` in the copy, for read-your-writes after
 * a call to Clerk: update a user through Clerk's API, then wait for the webhook to land before reading.
 * It follows the change feed from its current end and confirms with a read of the row itself, so a
 * change committed before the call counts too.
 *
 * @example const user = await clerk.users.updateUser(id, { firstName });
 * await waitFor(db, listener, schema, 'users', id, { minVersion: user.updatedAt });
 */
export async function waitFor(
  db: Kysely<Database>,
  listener: NotificationListener | undefined,
  schema: string,
  entity: EntityTableName,
  id: string,
  options: WaitForOptions,
): Promise<RowVersion> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const { end } = await db
    .selectFrom('changes')
    .select((eb) => eb.fn.coalesce(eb.fn.max('seq'), eb.lit(0)).as('end'))
    .executeTakeFirstOrThrow();
  const reached = async () => {
    const row = await readVersion(db, schema, entity, id);
    return row && row.version >= options.minVersion ? row : undefined;
  };
  const already = await reached();
  if (already) return already;

  options.signal?.throwIfAborted();
  return new Promise<RowVersion>((resolve, reject) => {
    const stop = (error: unknown) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', aborted);
      void subscription.close();
      reject(error);
    };
    const aborted = () => stop(options.signal?.reason);
    const timer = setTimeout(
      () => stop(new WaitForTimeoutError(entity, id, options.minVersion, timeoutMs)),
      Math.max(0, deadline - Date.now()),
    );
    options.signal?.addEventListener('abort', aborted, { once: true });
    const subscription = subscribe(
      db,
      listener,
      { from: Number(end), pollIntervalMs: options.pollIntervalMs ?? 250, handlerAttempts: Infinity },
      async (change) => {
        if (change.entity !== entity || change.entityId !== id) return;
        if ((change.version ?? 0) < options.minVersion) return;
        const row = await reached();
        if (!row) return;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', aborted);
        resolve(row);
        void subscription.close();
      },
    );
  });
}

/** The row's version, or its hard-delete tombstone's; `undefined` when neither exists yet. */
async function readVersion(
  db: Kysely<Database>,
  schema: string,
  entity: EntityTableName,
  id: string,
): Promise<RowVersion | undefined> {
  const { rows } = await sql<RowVersion>`
    SELECT version, deleted_at IS NOT NULL AS deleted FROM ${sql.table(`${schema}.${entity}`)} WHERE id = ${id}
    UNION ALL
    SELECT version, true AS deleted FROM ${sql.table(`${schema}.tombstones`)} WHERE entity = ${entity} AND id = ${id}
    ORDER BY version DESC LIMIT 1`.execute(db);
  return rows[0];
}

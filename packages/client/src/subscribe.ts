import type { Database, EntityTableName } from '@clerk-sync/db/types';
import type { Kysely } from 'kysely';
import type { Change } from './change.js';
import type { NotificationListener } from './notification-listener.js';

/** Handles one change. The next change waits until it settles; a throw retries it (see {@link SubscribeOptions}). */
export type ChangeHandler = (change: Change) => void | Promise<void>;

export interface SubscribeOptions {
  /** Deliver changes with `seq` greater than this: `0` for the whole feed, else the last seq you handled. */
  from: number;
  /** Changes read per query. @defaultValue 100 */
  batchSize?: number;
  /**
   * How often to look for changes without a notification. LISTEN makes delivery immediate on a direct
   * connection; polling is what works behind a transaction pooler. @defaultValue 1000
   */
  pollIntervalMs?: number;
  /** Attempts per change before the subscription stops (its `done` rejects). @defaultValue 5 */
  handlerAttempts?: number;
  /** First delay between attempts; doubles each time, at most 30 s. @defaultValue 500 */
  retryDelayMs?: number;
  /** Told about each failed attempt and each failed read (reads are retried for as long as it runs). */
  onError?: (error: unknown, context: { seq?: number; attempt: number }) => void;
}

export interface Subscription {
  /** The last seq whose handler succeeded (or `from`): where to resume. */
  readonly position: number;
  /** Settles when the subscription stops: resolves after `close()`, rejects when a handler gave up. */
  readonly done: Promise<void>;
  /** Stops after the change in hand, if any. Safe to call twice. */
  close(): Promise<void>;
}

/** A handler failed `handlerAttempts` times: the subscription stopped before `seq`. */
export class ChangeHandlerError extends Error {
  constructor(
    readonly seq: number,
    override readonly cause: unknown,
  ) {
    super(`the change handler failed on seq ${seq}; resume from the position before it`);
    this.name = 'ChangeHandlerError';
  }
}

/**
 * Delivers the changes after `options.from` to `handler`, one at a time in `seq` order, then each new
 * one as it commits. At least once: a change is delivered again after a restart from an older
 * position, so make the handler idempotent (compare `version`). `seq` is given out in commit order,
 * so storing the last handled seq and resuming from it misses nothing (unless the app stays away
 * longer than `CHANGES_RETENTION_DAYS`).
 *
 * @example
 * const sub = subscribe(db, listener, { from: await loadPosition() }, async (change) => {
 *   await refresh(change.entity, change.entityId);
 *   await savePosition(change.seq);
 * });
 */
export function subscribe(
  db: Kysely<Database>,
  listener: NotificationListener | undefined,
  options: SubscribeOptions,
  handler: ChangeHandler,
): Subscription {
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const attempts = options.handlerAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 500;
  let position = options.from;
  let closed = false;
  const sleeper = interruptibleSleep();
  const unwatch = listener?.watch(sleeper.wake);

  const deliver = async (change: Change): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(change);
        return;
      } catch (error) {
        options.onError?.(error, { seq: change.seq, attempt });
        if (attempt >= attempts) throw new ChangeHandlerError(change.seq, error);
        await sleeper.sleep(backoff(retryDelayMs, attempt), false);
        if (closed) return;
      }
    }
  };

  const run = async (): Promise<void> => {
    let failedReads = 0;
    while (!closed) {
      let changes: Change[];
      try {
        changes = await readChanges(db, position, batchSize);
        failedReads = 0;
      } catch (error) {
        options.onError?.(error, { attempt: ++failedReads });
        await sleeper.sleep(backoff(retryDelayMs, failedReads), false);
        continue;
      }
      for (const change of changes) {
        if (closed) return;
        await deliver(change);
        if (closed) return;
        position = change.seq;
      }
      if (changes.length < batchSize) await sleeper.sleep(pollIntervalMs, true);
    }
  };

  const done = run().finally(() => unwatch?.());
  done.catch(() => {});
  return {
    get position() {
      return position;
    },
    done,
    async close() {
      closed = true;
      sleeper.stop();
      await done.catch(() => {});
    },
  };
}

async function readChanges(db: Kysely<Database>, after: number, limit: number): Promise<Change[]> {
  const rows = await db
    .selectFrom('changes')
    .select(['seq', 'entity', 'entity_id', 'op', 'version', 'changed_fields', 'source', 'changed_at'])
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    // The trigger writes the name of the audited table, one of the synced tables.
    entity: r.entity as EntityTableName,
    entityId: r.entity_id,
    op: r.op,
    version: r.version,
    changedFields: r.changed_fields,
    source: r.source,
    changedAt: r.changed_at,
  }));
}

function backoff(firstMs: number, attempt: number): number {
  return Math.min(firstMs * 2 ** (attempt - 1), 30_000);
}

/**
 * A sleep that `wake()` ends early when it is wakeable (waiting for changes; not a retry backoff), and
 * `stop()` ends in any case. A wake that comes while no wakeable sleep runs is remembered for the next
 * one, so a notification that arrives during a read is not lost.
 */
function interruptibleSleep() {
  let pending = false;
  let current: { end: () => void; wakeable: boolean } | undefined;
  return {
    sleep(ms: number, wakeable: boolean): Promise<void> {
      if (wakeable && pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const end = () => {
          clearTimeout(timer);
          current = undefined;
          resolve();
        };
        const timer = setTimeout(end, ms);
        current = { end, wakeable };
      });
    },
    wake() {
      if (current?.wakeable) current.end();
      else pending = true;
    },
    stop() {
      current?.end();
    },
  };
}

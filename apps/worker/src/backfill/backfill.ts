import {
  applyChanges,
  type ClerkDatabase,
  clearCheckpoints,
  type EntityChange,
  entityChangeFor,
  type PrivacyOptions,
  readCheckpoint,
  saveCheckpoint,
} from '@clerk-sync/db';
import { InvalidEventError, snapshotEvent } from '@clerk-sync/events';
import { type ClerkApi, ClerkApiError } from './clerk-api.js';
import { type Progress, silentProgress } from './progress.js';
import { sources as allSources, type Json, type Page, type Position, type Source } from './sources.js';

export interface BackfillOptions {
  db: ClerkDatabase['db'];
  api: ClerkApi;
  /** Objects per request; Clerk allows up to 500. */
  pageSize?: number;
  /** Forget saved checkpoints and start every type from the beginning. */
  restart?: boolean;
  /** Stops after the page being applied; the checkpoint lets the next run resume. */
  signal?: AbortSignal;
  progress?: Progress;
  sources?: readonly Source[];
  /** What to keep of personal data; the worker's settings. */
  privacy?: PrivacyOptions;
  /** Called with the id of each object that fails validation (never its content). */
  onInvalid?: (name: string, id: string, reason: string) => void;
  /**
   * An object whose `updated_at` is further ahead of the clock than this is counted invalid and not
   * written, as the worker does with webhooks (`MAX_FUTURE_SKEW_MS`). Defaults to one day.
   */
  maxFutureSkewMs?: number;
}

export interface TypeSummary {
  name: Source['name'];
  fetched: number;
  applied: number;
  stale: number;
  invalid: number;
  pages: number;
  /** Objects already synced by an earlier, interrupted run. */
  resumedAt: number;
  complete: boolean;
  seconds: number;
}

export interface BackfillSummary {
  types: TypeSummary[];
  seconds: number;
  requests: number;
  throttled: number;
  retries: number;
}

/**
 * Copies users, organizations and memberships from Clerk's Backend API into Postgres, through the
 * same version guards as webhooks: a row that a webhook already made newer is left alone, and a
 * re-run changes nothing. Each page is written in one transaction together with the checkpoint in
 * `sync_state`, so an interrupted run resumes at the next page. While one page is written, the next
 * is already being fetched.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const types: TypeSummary[] = [];
  if (options.restart) await clearCheckpoints(options.db);
  for (const source of options.sources ?? allSources) {
    if (options.signal?.aborted) break;
    types.push(await backfillType(source, options, progress));
  }
  const { requests, throttled, retries } = options.api.stats;
  return { types, seconds: (performance.now() - started) / 1000, requests, throttled, retries };
}

async function backfillType(
  source: Source,
  options: BackfillOptions,
  progress: Progress,
): Promise<TypeSummary> {
  const started = performance.now();
  const { db, api, signal } = options;
  const limit = options.pageSize ?? 500;
  const state = await readCheckpoint(db, source.name);
  const summary: TypeSummary = {
    name: source.name,
    fetched: 0,
    applied: 0,
    stale: 0,
    invalid: 0,
    pages: 0,
    resumedAt: state?.done ? 0 : (state?.seen ?? 0),
    complete: false,
    seconds: 0,
  };
  let seen = summary.resumedAt;
  const position: Position =
    state && !state.done ? { cursor: state.cursor, offset: state.nextOffset } : { cursor: null, offset: 0 };
  let total = source.total ? await source.total(api) : (state?.total ?? undefined);
  progress.start(source.name, total, seen);

  const fetchPage = async (at: Position): Promise<Page> => {
    try {
      return await source.page(api, at, limit);
    } catch (error) {
      // The saved cursor's object was deleted since: start this type over; the guards make that safe.
      if (error instanceof ClerkApiError && error.status === 422 && at.cursor !== null) {
        seen = 0;
        return source.page(api, { cursor: null, offset: 0 }, limit);
      }
      throw error;
    }
  };

  /** Fetches and validates a page; done ahead, this CPU work overlaps the previous page's transaction. */
  const fetchFrom = async (at: Position): Promise<{ page: Page; changes: EntityChange[] }> => {
    const page = await fetchPage(at);
    const changes: EntityChange[] = [];
    for (const item of page.items) {
      try {
        const { event, version } = snapshotEvent(source.kind, item, {
          now: Date.now(),
          maxFutureSkewMs: options.maxFutureSkewMs,
        });
        changes.push(entityChangeFor(event, version, options.privacy));
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        summary.invalid += 1;
        options.onInvalid?.(source.name, String((item as Json).id ?? '?'), error.reason);
      }
    }
    return { page, changes };
  };

  let next: Promise<{ page: Page; changes: EntityChange[] }> | undefined = fetchFrom(position);
  while (next) {
    let page: Page;
    let changes: EntityChange[];
    try {
      ({ page, changes } = await next);
    } catch (error) {
      // Interrupted while the next page was in flight: everything written so far is checkpointed.
      if (signal?.aborted) break;
      throw error;
    }
    const last: boolean = page.items.length < limit;
    // Fetch ahead while this page is written. A rejected prefetch is handled when awaited.
    next = last || signal?.aborted ? undefined : fetchFrom(page.next);
    next?.catch(() => {});
    total = page.total ?? total;

    seen += page.items.length;
    const outcomes = await applyChanges(db, changes, {
      privacy: options.privacy,
      source: 'backfill',
      alsoInTransaction: (trx) =>
        saveCheckpoint(trx, source.name, {
          cursor: page.next.cursor,
          nextOffset: page.next.offset,
          seen,
          total: total ?? null,
          done: last,
        }),
    });
    summary.pages += 1;
    summary.fetched += page.items.length;
    for (const o of outcomes) summary[o] += 1;
    progress.advance(source.name, page.items.length, total);
    if (last) summary.complete = true;
    if (signal?.aborted) break;
  }
  summary.seconds = (performance.now() - started) / 1000;
  progress.finish(source.name, summary.complete ? undefined : 'interrupted; run again to resume');
  return summary;
}

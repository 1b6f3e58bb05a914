import { type ClerkApi, ClerkApiError, instanceIdFor } from '@clerk-sync/backend-api';
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
  /**
   * The Clerk instance the key belongs to: rows are written as that instance's, and rows of other
   * instances are left alone (`conflict`); `null` (not known) writes only rows that record none.
   * Left out, it is asked from Clerk (`GET /v1/instance`), as the key's own answer.
   */
  instanceId?: string | null;
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
  /** Objects whose local row belongs to another Clerk instance: left alone. */
  conflict: number;
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
 * Copies every type in `sources` (users, organizations, memberships, organization invitations and
 * domains, roles, permissions, waitlist entries) from Clerk's Backend API into Postgres, through the
 * same version guards as webhooks: a row that a webhook already made newer is left alone, and a
 * re-run changes nothing. Each page is written in one transaction together with the checkpoint in
 * `sync_state`, so an interrupted run resumes at the next page. While one page is written, the next
 * is already being fetched.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const types: TypeSummary[] = [];
  const instanceId = await instanceIdFor(options.api, options.instanceId);
  if (options.restart) await clearCheckpoints(options.db);
  for (const source of options.sources ?? allSources) {
    if (options.signal?.aborted) break;
    types.push(await backfillType(source, { ...options, instanceId }, progress));
  }
  const { requests, throttled, retries } = options.api.stats;
  return { types, seconds: (performance.now() - started) / 1000, requests, throttled, retries };
}

/** One type's run: its counters, and how far the listing has got. */
interface TypeRun {
  source: Source;
  options: BackfillOptions;
  progress: Progress;
  /** Objects per page. */
  limit: number;
  summary: TypeSummary;
  /** Objects listed so far, interrupted runs included; saved with each page's checkpoint. */
  seen: number;
  total: number | undefined;
}

interface FetchedPage {
  page: Page;
  changes: EntityChange[];
}

async function backfillType(
  source: Source,
  options: BackfillOptions,
  progress: Progress,
): Promise<TypeSummary> {
  const started = performance.now();
  const { signal } = options;
  const { run, position } = await startTypeRun(source, options, progress);
  let next: Promise<FetchedPage> | undefined = fetchFrom(run, position);
  while (next) {
    let fetched: FetchedPage;
    try {
      fetched = await next;
    } catch (error) {
      // Interrupted while the next page was in flight: everything written so far is checkpointed.
      if (signal?.aborted) break;
      throw error;
    }
    const last: boolean = fetched.page.items.length < run.limit;
    // Fetch ahead while this page is written. A rejected prefetch is handled when awaited.
    next = last || signal?.aborted ? undefined : fetchFrom(run, fetched.page.next);
    next?.catch(() => {});
    await applyPage(run, fetched, last);
    if (signal?.aborted) break;
  }
  run.summary.seconds = (performance.now() - started) / 1000;
  progress.finish(source.name, run.summary.complete ? undefined : 'interrupted; run again to resume');
  return run.summary;
}

/** Reads the type's checkpoint: a finished type starts over, an interrupted one resumes where it stopped. */
async function startTypeRun(
  source: Source,
  options: BackfillOptions,
  progress: Progress,
): Promise<{ run: TypeRun; position: Position }> {
  const state = await readCheckpoint(options.db, source.name);
  const resumedAt = state?.done ? 0 : (state?.seen ?? 0);
  const summary: TypeSummary = {
    name: source.name,
    fetched: 0,
    applied: 0,
    stale: 0,
    conflict: 0,
    invalid: 0,
    pages: 0,
    resumedAt,
    complete: false,
    seconds: 0,
  };
  const position: Position =
    state && !state.done ? { cursor: state.cursor, offset: state.nextOffset } : { cursor: null, offset: 0 };
  const total = source.total ? await source.total(options.api) : (state?.total ?? undefined);
  const limit = options.pageSize ?? 500;
  progress.start(source.name, total, resumedAt);
  return { run: { source, options, progress, limit, summary, seen: resumedAt, total }, position };
}

async function fetchPage(run: TypeRun, at: Position): Promise<Page> {
  const { source, options, limit } = run;
  try {
    return await source.page(options.api, at, limit);
  } catch (error) {
    // The saved cursor's object was deleted since: start this type over; the guards make that safe.
    if (error instanceof ClerkApiError && error.status === 422 && at.cursor !== null) {
      run.seen = 0;
      return source.page(options.api, { cursor: null, offset: 0 }, limit);
    }
    throw error;
  }
}

/** Fetches and validates a page; done ahead, this CPU work overlaps the previous page's transaction. */
async function fetchFrom(run: TypeRun, at: Position): Promise<FetchedPage> {
  const { source, options, summary } = run;
  const page = await fetchPage(run, at);
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
}

/** Writes one page and its checkpoint in one transaction, then counts it. */
async function applyPage(run: TypeRun, { page, changes }: FetchedPage, last: boolean): Promise<void> {
  const { source, options, summary } = run;
  run.total = page.total ?? run.total;
  run.seen += page.items.length;
  const outcomes = await applyChanges(options.db, changes, {
    privacy: options.privacy,
    source: 'backfill',
    instanceId: options.instanceId ?? null,
    alsoInTransaction: (trx) =>
      saveCheckpoint(trx, source.name, {
        cursor: page.next.cursor,
        nextOffset: page.next.offset,
        seen: run.seen,
        total: run.total ?? null,
        done: last,
      }),
  });
  summary.pages += 1;
  summary.fetched += page.items.length;
  for (const o of outcomes) summary[o] += 1;
  run.progress.advance(source.name, page.items.length, run.total);
  if (last) summary.complete = true;
}

import {
  applyChanges,
  type ClerkDatabase,
  type EntityChange,
  entityChangeFor,
  type LocalRow,
  membershipTable,
  organizationTable,
  type PrivacyOptions,
  readLocalRows,
  tombstone,
  userTable,
} from '@clerk-sync/db';
import { InvalidEventError, snapshotEvent, toMillis } from '@clerk-sync/events';
import { type ClerkApi, ClerkApiError } from './clerk-api.js';
import { type Progress, silentProgress } from './progress.js';
import { sources as allSources, type Json, type Position, type Source } from './sources.js';

export interface ReconcileOptions {
  db: ClerkDatabase['db'];
  api: ClerkApi;
  privacy?: PrivacyOptions;
  /** Without it, only report. */
  apply?: boolean;
  pageSize?: number;
  progress?: Progress;
  sources?: readonly Source[];
  /** As for the backfill: an object dated further ahead than this is never written. Defaults to one day. */
  maxFutureSkewMs?: number;
}

export interface TypeDrift {
  name: Source['name'];
  inClerk: number;
  local: number;
  /** In Clerk, absent locally. */
  missing: string[];
  /** In Clerk with a newer `updated_at` than the local row. */
  outdated: string[];
  /** Live locally, confirmed gone from Clerk. */
  gone: string[];
  /** Tombstoned locally but still in Clerk: reported only, tombstones are final. */
  deletedLocally: string[];
  applied: number;
}

const tables = { users: userTable, organizations: organizationTable, memberships: membershipTable } as const;

/**
 * Compares the local copy with a full listing from Clerk and reports the drift; with `apply`, it
 * upserts what is missing or older (through the version guards) and tombstones rows Clerk no longer has.
 * A row is only called gone after Clerk answers 404 for it by id, so objects created during the run,
 * or skipped by offset paging while others were deleted, are never tombstoned by mistake.
 */
export async function runReconcile(options: ReconcileOptions): Promise<TypeDrift[]> {
  const progress = options.progress ?? silentProgress;
  const report: TypeDrift[] = [];
  for (const source of options.sources ?? allSources) {
    report.push(await reconcileType(source, options, progress));
  }
  return report;
}

type Table = (typeof tables)[Source['name']];

async function reconcileType(
  source: Source,
  options: ReconcileOptions,
  progress: Progress,
): Promise<TypeDrift> {
  const table = tables[source.name];
  const local = await readLocalRows(options.db, table);
  const drift: TypeDrift = {
    name: source.name,
    inClerk: 0,
    local: [...local.values()].filter((r) => !r.deleted).length,
    missing: [],
    outdated: [],
    gone: [],
    deletedLocally: [],
    applied: 0,
  };
  progress.start(source.name, undefined, 0);
  const { fixes, seen } = await compareWithClerk(source, options, local, drift, progress);
  const candidates = [...local.entries()].filter(([id, r]) => !r.deleted && !seen.has(id));
  for (const [id, row] of candidates) {
    if (await isGone(options.api, source.name, id, row.organizationId)) drift.gone.push(id);
  }
  if (options.apply) await applyFixes(options, table, local, fixes, drift);
  progress.finish(source.name);
  return drift;
}

/**
 * Lists every object of one type from Clerk and sorts each into the drift: missing here, older here,
 * or tombstoned here. Resolves with the upserts that would fix the first two, and every id Clerk listed.
 */
async function compareWithClerk(
  source: Source,
  options: ReconcileOptions,
  local: Map<string, LocalRow>,
  drift: TypeDrift,
  progress: Progress,
): Promise<{ fixes: EntityChange[]; seen: Set<string> }> {
  const fixes: EntityChange[] = [];
  const seen = new Set<string>();
  const limit = options.pageSize ?? 500;
  let at: Position = { cursor: null, offset: 0 };
  for (;;) {
    const page = await source.page(options.api, at, limit);
    for (const item of page.items) {
      const id = String((item as Json).id);
      seen.add(id);
      const row = local.get(id);
      // The Backend API may give seconds; rows hold milliseconds.
      const updatedAt = toMillis(Number((item as Json).updated_at));
      if (row?.deleted) drift.deletedLocally.push(id);
      else if (!row) drift.missing.push(id);
      else if (row.version < updatedAt) drift.outdated.push(id);
      else continue;
      if (row?.deleted) continue;
      try {
        const { event, version } = snapshotEvent(source.kind, item, {
          now: Date.now(),
          maxFutureSkewMs: options.maxFutureSkewMs,
        });
        fixes.push(entityChangeFor(event, version, options.privacy));
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
      }
    }
    drift.inClerk += page.items.length;
    progress.advance(source.name, page.items.length, page.total);
    if (page.items.length < limit) return { fixes, seen };
    at = page.next;
  }
}

/** Upserts the fixes and tombstones the gone rows, through the version guards, 500 at a time. */
async function applyFixes(
  options: ReconcileOptions,
  table: Table,
  local: Map<string, LocalRow>,
  fixes: EntityChange[],
  drift: TypeDrift,
): Promise<void> {
  const now = Date.now();
  const all = [
    ...fixes,
    ...drift.gone.map((id) => tombstone(table, id, Math.max(now, local.get(id)?.version ?? 0))),
  ];
  for (let i = 0; i < all.length; i += 500) {
    const outcomes = await applyChanges(options.db, all.slice(i, i + 500), {
      privacy: options.privacy,
      source: 'reconcile',
    });
    drift.applied += outcomes.filter((o) => o === 'applied').length;
  }
}

const membersByOrganization = new WeakMap<ClerkApi, Map<string, Set<string> | null>>();

/** Asks Clerk about one object: only a 404 (or a vanished organization) proves it is gone. */
async function isGone(
  api: ClerkApi,
  name: Source['name'],
  id: string,
  organizationId: string | null,
): Promise<boolean> {
  const notFound = async (path: string) => {
    try {
      await api.get(path);
      return false;
    } catch (error) {
      if (error instanceof ClerkApiError && error.status === 404) return true;
      throw error;
    }
  };
  if (name === 'users') return notFound(`/v1/users/${encodeURIComponent(id)}`);
  if (name === 'organizations') return notFound(`/v1/organizations/${encodeURIComponent(id)}`);
  if (!organizationId) return false;
  let cache = membersByOrganization.get(api);
  if (!cache) {
    cache = new Map();
    membersByOrganization.set(api, cache);
  }
  if (!cache.has(organizationId)) cache.set(organizationId, await organizationMembers(api, organizationId));
  const members = cache.get(organizationId);
  return members === null || members === undefined || !members.has(id);
}

async function organizationMembers(api: ClerkApi, organizationId: string): Promise<Set<string> | null> {
  const ids = new Set<string>();
  for (let offset = 0; ; offset += 500) {
    let body: { data: Json[] };
    try {
      body = await api.get(`/v1/organizations/${encodeURIComponent(organizationId)}/memberships`, {
        limit: 500,
        offset,
      });
    } catch (error) {
      if (error instanceof ClerkApiError && error.status === 404) return null;
      throw error;
    }
    for (const m of body.data) ids.add(String(m.id));
    if (body.data.length < 500) return ids;
  }
}

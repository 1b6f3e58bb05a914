import { type ClerkApi, fetchInstance } from '@clerk-sync/backend-api';
import {
  applyChanges,
  type ClerkDatabase,
  type ClerkInstance,
  type DriftCount,
  domainTable,
  type EntityChange,
  entityChangeFor,
  invitationTable,
  type LocalRow,
  membershipTable,
  organizationTable,
  type PrivacyOptions,
  permissionTable,
  readLocalRows,
  roleTable,
  saveDriftReport,
  tombstone,
  userTable,
  waitlistEntryTable,
} from '@clerk-sync/db';
import { InvalidEventError, snapshotEvent, toMillis } from '@clerk-sync/events';
import { isGone } from './gone-check.js';
import { type Progress, silentProgress } from './progress.js';
import { RECONCILE_DEFAULTS } from './reconcile-env.js';
import { checkKey, type KeyCheck, type LocalRows, type Refusal, tooManyGone } from './reconcile-guard.js';
import { sources as allSources, type Json, type Position, type Source, type SourceName } from './sources.js';

export interface ReconcileOptions {
  db: ClerkDatabase['db'];
  api: ClerkApi;
  privacy?: PrivacyOptions;
  /**
   * The configured instance, already matched against the key's (`GET /v1/instance`): only its rows,
   * and rows that record none, are judged, and fixes are written as its. Left out, the key's own
   * answer names the instance, every row is judged, and the instance recorded for the copy must match.
   */
  instanceId?: string | null;
  /** Without it, only report. */
  apply?: boolean;
  /** Apply even when more rows are gone than `maxGoneShare` allows (never past a failed key check). */
  force?: boolean;
  /** The largest share of a type's live rows tombstoned without `force`; at least one row. Default 5%. */
  maxGoneShare?: number;
  /** Live local rows per type that the key must see before anything is compared. Default 20. */
  sampleSize?: number;
  pageSize?: number;
  progress?: Progress;
  sources?: readonly Source[];
  /** As for the backfill: an object dated further ahead than this is never written. Defaults to one day. */
  maxFutureSkewMs?: number;
}

export interface TypeDrift {
  name: Source['name'];
  inClerk: number;
  /** Live local rows. */
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

export interface ReconcileReport {
  /** The instance Clerk reports for the key, and the one recorded for this copy. */
  instance: ClerkInstance | null;
  recordedInstance: ClerkInstance | null;
  /** Sampled live local rows, and how many of them Clerk did not know. */
  sample: KeyCheck['sample'];
  /** Empty when the key check refused. */
  types: TypeDrift[];
  /** The fixes were written. */
  applied: boolean;
  refusal: Refusal | null;
}

/** A reconcile stopped by a safety check; `runReconcile` throws it, `reconcile` reports it instead. */
export class ReconcileRefusedError extends Error {
  override readonly name = 'ReconcileRefusedError';
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/** The table each source's rows live in. */
const tables = {
  users: userTable,
  organizations: organizationTable,
  memberships: membershipTable,
  invitations: invitationTable,
  domains: domainTable,
  roles: roleTable,
  permissions: permissionTable,
  waitlist_entries: waitlistEntryTable,
} as const satisfies Record<SourceName, unknown>;

/** As {@link reconcile}, resolving with the drift per type; a refusal rejects with `ReconcileRefusedError`. */
export async function runReconcile(options: ReconcileOptions): Promise<TypeDrift[]> {
  const report = await reconcile(options);
  if (report.refusal) throw new ReconcileRefusedError(report.refusal);
  return report.types;
}

/**
 * Compares the local copy with a full listing from Clerk and reports the drift; with `apply`, it
 * upserts what is missing or older (through the version guards) and tombstones rows Clerk no longer has.
 * A row is only called gone after Clerk answers 404 for it by id, or after a fresh listing of its
 * parent confirms it absent (see {@link isGone}), so objects created during the run,
 * or skipped by offset paging while others were deleted, are never tombstoned by mistake. Before any
 * of that, {@link checkKey} proves the key belongs to this copy's instance; and `apply` refuses, unless
 * `force`, when a type has more gone rows than `maxGoneShare` allows. Stores the drift counts for the
 * worker's gauge (not after a failed key check: those counts would describe another instance).
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const progress = options.progress ?? silentProgress;
  const sources = options.sources ?? allSources;
  // A configured instance (already matched against the key) judges its own rows and unowned ones;
  // without one, every row is judged and the recorded instance and the sample guard the key.
  const configured = options.instanceId != null;
  const reported = await fetchInstance(options.api);
  const instanceId = configured ? (options.instanceId ?? null) : (reported?.id ?? null);
  const local: Map<SourceName, Map<string, LocalRow>> = new Map();
  for (const source of sources) {
    local.set(
      source.name,
      await readLocalRows(options.db, tables[source.name], configured ? instanceId : null),
    );
  }
  const key = await checkKey(options.db, options.api, reported, local, {
    sampleSize: options.sampleSize ?? RECONCILE_DEFAULTS.sampleSize,
    strictBinding: !configured,
  });
  const report: ReconcileReport = {
    instance: key.instance,
    recordedInstance: key.recorded,
    sample: key.sample,
    types: [],
    applied: false,
    refusal: key.refusal,
  };
  if (report.refusal) return report;
  const compared: Compared[] = [];
  for (const source of sources) compared.push(await compareType(source, options, local, progress));
  report.types = compared.map((c) => c.drift);
  if (options.apply) {
    const share = options.maxGoneShare ?? RECONCILE_DEFAULTS.maxGoneShare;
    report.refusal = options.force ? null : tooManyGone(report.types, share);
    if (!report.refusal) {
      for (const c of compared) await applyFixes({ ...options, instanceId }, c);
      report.applied = true;
    }
  }
  await saveDriftReport(options.db, driftCounts(report.types));
  return report;
}

/** The counts the worker serves as `clerk_sync_drift_rows{entity,kind}`, zeros included. */
export function driftCounts(types: readonly TypeDrift[]): DriftCount[] {
  return types.flatMap((d) => [
    { entity: d.name, kind: 'missing' as const, rows: d.missing.length },
    { entity: d.name, kind: 'outdated' as const, rows: d.outdated.length },
    { entity: d.name, kind: 'gone' as const, rows: d.gone.length },
    { entity: d.name, kind: 'deleted_locally' as const, rows: d.deletedLocally.length },
  ]);
}

/** One type's comparison: the drift, and what `apply` would write. */
interface Compared {
  source: Source;
  local: Map<string, LocalRow>;
  fixes: EntityChange[];
  drift: TypeDrift;
}

async function compareType(
  source: Source,
  options: ReconcileOptions,
  locals: LocalRows,
  progress: Progress,
): Promise<Compared> {
  const local = locals.get(source.name) ?? new Map<string, LocalRow>();
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
  progress.finish(source.name);
  return { source, local, fixes, drift };
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
      const fix = snapshotFix(source, item, options);
      if (fix) fixes.push(fix);
    }
    drift.inClerk += page.items.length;
    progress.advance(source.name, page.items.length, page.total);
    if (page.items.length < limit) return { fixes, seen };
    at = page.next;
  }
}

/** The upsert for one listed object, or undefined when it fails validation. */
function snapshotFix(source: Source, item: Json, options: ReconcileOptions): EntityChange | undefined {
  try {
    const { event, version } = snapshotEvent(source.kind, item, {
      now: Date.now(),
      maxFutureSkewMs: options.maxFutureSkewMs,
    });
    return entityChangeFor(event, version, options.privacy);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return undefined;
  }
}

/** Upserts the fixes and tombstones the gone rows, through the version guards, 500 at a time. */
async function applyFixes(
  options: ReconcileOptions,
  { source, local, fixes, drift }: Compared,
): Promise<void> {
  const table = tables[source.name];
  const now = Date.now();
  const all = [
    ...fixes,
    ...drift.gone.map((id) => tombstone(table, id, Math.max(now, local.get(id)?.version ?? 0))),
  ];
  for (let i = 0; i < all.length; i += 500) {
    const outcomes = await applyChanges(options.db, all.slice(i, i + 500), {
      privacy: options.privacy,
      source: 'reconcile',
      instanceId: options.instanceId ?? null,
    });
    drift.applied += outcomes.filter((o) => o === 'applied').length;
  }
}

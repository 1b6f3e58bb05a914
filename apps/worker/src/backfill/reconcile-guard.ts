import type { ClerkApi, InstanceInfo } from '@clerk-sync/backend-api';
import {
  type ClerkDatabase,
  type ClerkInstance,
  type LocalRow,
  readInstanceBinding,
  recordInstanceBinding,
} from '@clerk-sync/db';
import { isGone } from './gone-check.js';
import type { SourceName } from './sources.js';

/** Why a reconcile stopped before changing anything. */
export interface Refusal {
  reason: 'instance_mismatch' | 'key_cannot_see_rows' | 'too_many_gone';
  message: string;
}

/** What the key check found: the instance Clerk reports, and how many sampled local rows it could not see. */
export interface KeyCheck {
  /** As `GET /v1/instance` answered; null when the endpoint is not available to the key. */
  instance: ClerkInstance | null;
  /** The instance this copy was recorded as belonging to, before this run. */
  recorded: ClerkInstance | null;
  sample: { checked: number; missing: number };
  refusal: Refusal | null;
}

/** More than this share of sampled local rows unknown to Clerk means the key sees another instance. */
export const MAX_SAMPLE_MISSING_SHARE = 0.5;

/** The rows of each type, by id, as `readLocalRows` reads them. */
export type LocalRows = ReadonlyMap<SourceName, Map<string, LocalRow>>;

/**
 * Proves that the key belongs to the instance of the local rows before anything is compared: the
 * instance Clerk reports must be the one recorded for this copy, and most of a random sample of live
 * local rows must be visible to the key (a 404 for more than half of them is a key of another
 * instance, not drift, and `--force` does not override it). Records the instance the first time both
 * hold on a copy with rows, so that later runs compare ids instead of relying on the sample alone.
 * `instance` is the key's own answer to `GET /v1/instance` (see `fetchInstance`).
 */
export async function checkKey(
  db: ClerkDatabase['db'],
  api: Pick<ClerkApi, 'get'>,
  instance: InstanceInfo | null,
  local: LocalRows,
  options: {
    sampleSize: number;
    /**
     * Refuse any key of another instance than the recorded one (no instance configured). Otherwise
     * only while local rows that record no instance are judged: rows of other instances were left out.
     */
    strictBinding: boolean;
  },
): Promise<KeyCheck> {
  const { sampleSize } = options;
  const recorded = (await readInstanceBinding(db)) ?? null;
  const check: KeyCheck = { instance, recorded, sample: { checked: 0, missing: 0 }, refusal: null };
  // Rows that record their instance are read for this key's instance only; the recorded binding
  // still guards the rows written before instances were recorded.
  const unowned = [...local.values()].some((rows) => [...rows.values()].some((row) => row.unowned));
  if (instance && recorded && instance.id !== recorded.id && (options.strictBinding || unowned)) {
    check.refusal = {
      reason: 'instance_mismatch',
      message: `CLERK_SECRET_KEY belongs to Clerk instance ${instance.id}, but this copy was recorded as ${recorded.id}; nothing was compared or changed. Use the key of ${recorded.id}.`,
    };
    return check;
  }
  for (const [name, rows] of local) {
    for (const [id, row] of sample(rows, sampleSize)) {
      check.sample.checked += 1;
      if (await isGone(api, name, id, row.organizationId)) check.sample.missing += 1;
    }
  }
  const { checked, missing } = check.sample;
  if (checked > 0 && missing > checked * MAX_SAMPLE_MISSING_SHARE) {
    check.refusal = {
      reason: 'key_cannot_see_rows',
      message: `Clerk answered 404 for ${missing} of ${checked} sampled local rows: CLERK_SECRET_KEY most likely belongs to another instance. Nothing was compared or changed; --force does not override this.`,
    };
  } else if (instance && !recorded && checked > 0) {
    check.recorded = await recordInstanceBinding(db, instance);
  }
  return check;
}

/** Up to `size` live rows, picked at random. */
function sample(rows: Map<string, LocalRow>, size: number): Array<[string, LocalRow]> {
  const live = [...rows].filter(([, row]) => !row.deleted);
  for (let i = 0; i < Math.min(size, live.length); i++) {
    const j = i + Math.floor(Math.random() * (live.length - i));
    const [a, b] = [live[i], live[j]];
    if (a && b) [live[i], live[j]] = [b, a];
  }
  return live.slice(0, size);
}

/** The most rows of a type with `live` rows that may be tombstoned without `--force`: at least one. */
export function goneLimit(live: number, maxShare: number): number {
  return Math.max(1, Math.floor(live * maxShare));
}

/** The refusal for the first type with more gone rows than {@link goneLimit} allows, if any. */
export function tooManyGone(
  types: ReadonlyArray<{ name: string; local: number; gone: readonly string[] }>,
  maxShare: number,
): Refusal | null {
  const over = types.find((t) => t.gone.length > goneLimit(t.local, maxShare));
  if (!over) return null;
  const share = over.local > 0 ? ((over.gone.length / over.local) * 100).toFixed(1) : '100';
  return {
    reason: 'too_many_gone',
    message: `${over.name}: ${over.gone.length} of ${over.local} live rows (${share}%) are gone from Clerk, more than RECONCILE_MAX_GONE_SHARE (${maxShare * 100}%) allows; nothing was changed. If the deletions are real, run again with --force.`,
  };
}

/**
 * Where a change to a row stands in the row's history: a total order, so that the row's final state
 * does not depend on which of two changes arrives last.
 *
 * 1. `version`: `data.updated_at` (ms), or a delete's envelope timestamp.
 * 2. `eventTs`: the envelope `timestamp` (ms), when Clerk emitted the event. Clerk does not always
 *    bump `updated_at` (its own `session.created` and `session.ended` examples share one), so at
 *    equal versions the event emitted later wins.
 * 3. `svixId`: compared code point by code point, as Postgres compares bytes under `COLLATE "C"`.
 *    Svix ids are KSUIDs, which begin with their creation time, and each delivery has its own, so no
 *    two webhook events tie.
 *
 * `null` sorts lowest: Backend API snapshots (backfill, reconcile) have no envelope and no svix-id,
 * and rows written before this key existed have neither recorded. The SQL twin is `orderOf` in
 * `entity-sql.ts`; both must agree.
 */
export interface OrderKey {
  version: number;
  eventTs: number | null;
  svixId: string | null;
}

/** Negative when `a` comes before `b`, positive when after, 0 for the same key. */
export function compareOrderKeys(a: OrderKey, b: OrderKey): number {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  const aTs = a.eventTs ?? -1;
  const bTs = b.eventTs ?? -1;
  if (aTs !== bTs) return aTs < bTs ? -1 : 1;
  return compareCodePoints(a.svixId ?? '', b.svixId ?? '');
}

/**
 * Orders strings by Unicode code point, which is the byte order of their UTF-8 (what `COLLATE "C"`
 * compares). Plain `<` compares UTF-16 code units and puts U+10000 and above before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

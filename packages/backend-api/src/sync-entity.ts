import {
  applyChanges,
  type ClerkDatabase,
  entityChangeFor,
  type PrivacyOptions,
  readMembershipKeys,
} from '@clerk-sync/db';
import { InvalidEventError, type SnapshotKind, snapshotEvent } from '@clerk-sync/events';
import { type ClerkApi, ClerkApiError } from './clerk-api.js';
import type { Json } from './json.js';

/** Clerk's id prefixes for the kinds a single object can be fetched for. */
export const idPrefixes = {
  user_: 'user',
  org_: 'organization',
  orgmem_: 'organization_membership',
} as const satisfies Record<string, SnapshotKind>;

/** The kind an id's prefix names (`user_…` is a user), or undefined for any other id. */
export function kindOfId(id: string): SnapshotKind | undefined {
  for (const [prefix, kind] of Object.entries(idPrefixes)) if (id.startsWith(prefix)) return kind;
  return undefined;
}

export interface SyncEntityOptions {
  db: ClerkDatabase['db'];
  /** Only `get` is used: any client that sends one authenticated GET will do. */
  api: Pick<ClerkApi, 'get'>;
  /** Defaults to the kind the id's prefix names. */
  kind?: SnapshotKind;
  /** For a membership with no local row: the organization to look for it in. */
  organizationId?: string;
  privacy?: PrivacyOptions;
  /** As for the backfill: an object dated further ahead than this is not written. Defaults to one day. */
  maxFutureSkewMs?: number;
}

export type SyncEntityResult =
  /** Written (`applied`), or older than the local row and left alone (`stale`). */
  | { status: 'applied' | 'stale'; kind: SnapshotKind; id: string; version: number }
  /** Clerk has no such object (404); nothing was written. */
  | { status: 'not_found'; kind: SnapshotKind; id: string; reason: string }
  /** Clerk's answer failed validation; nothing was written. */
  | { status: 'invalid'; kind: SnapshotKind; id: string; reason: string };

/** The id names no kind this can fetch, and none was given. */
export class UnknownEntityKindError extends Error {
  override readonly name = 'UnknownEntityKindError';
}

/**
 * Fetches one object from Clerk's Backend API and writes it through the same version guards as the
 * backfill: a local row that is newer stays as it is. A 404 writes nothing, not even a tombstone: a
 * single answer cannot tell a deleted object from a key of another instance. No queue, no CLI: a
 * library function that an app's own client can call too.
 */
export async function syncEntity(id: string, options: SyncEntityOptions): Promise<SyncEntityResult> {
  const kind = options.kind ?? kindOfId(id);
  if (!kind) {
    throw new UnknownEntityKindError(
      `cannot tell the kind of ${id}: expected a prefix ${Object.keys(idPrefixes).join(', ')}`,
    );
  }
  const fetched = await fetchObject(kind, id, options);
  if ('missing' in fetched) return { status: 'not_found', kind, id, reason: fetched.missing };
  try {
    const { event, version } = snapshotEvent(kind, fetched.object, {
      now: Date.now(),
      maxFutureSkewMs: options.maxFutureSkewMs,
    });
    const change = entityChangeFor(event, version, options.privacy);
    const [outcome = 'stale'] = await applyChanges(options.db, [change], {
      privacy: options.privacy,
      source: 'sync',
    });
    return { status: outcome, kind, id, version };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return { status: 'invalid', kind, id, reason: error.reason };
  }
}

type Fetched = { object: Json } | { missing: string };

async function fetchObject(kind: SnapshotKind, id: string, options: SyncEntityOptions): Promise<Fetched> {
  const path = (collection: string) => `/v1/${collection}/${encodeURIComponent(id)}`;
  if (kind === 'user') return getOrMissing(options.api, path('users'), `no user ${id} in Clerk`);
  if (kind === 'organization')
    return getOrMissing(options.api, path('organizations'), `no organization ${id} in Clerk`);
  return fetchMembership(id, options);
}

async function getOrMissing(
  api: Pick<ClerkApi, 'get'>,
  path: string,
  missing: string,
  query?: Record<string, string | number | undefined>,
): Promise<Fetched> {
  try {
    return { object: await api.get<Json>(path, query) };
  } catch (error) {
    if (error instanceof ClerkApiError && error.status === 404) return { missing };
    throw error;
  }
}

/**
 * The Backend API has no get-by-id for memberships: list the organization's memberships (filtered by
 * the user, when the local row names one) and pick the id. The organization comes from the local row
 * or from `options.organizationId`.
 */
async function fetchMembership(id: string, options: SyncEntityOptions): Promise<Fetched> {
  const keys = await readMembershipKeys(options.db, id);
  const organizationId = options.organizationId ?? keys?.organizationId;
  if (!organizationId) {
    return {
      missing: `membership ${id} is not in the local copy: name its organization to find it in Clerk`,
    };
  }
  const path = `/v1/organizations/${encodeURIComponent(organizationId)}/memberships`;
  const userId = keys?.organizationId === organizationId ? keys.userId : null;
  for (let offset = 0; ; offset += 500) {
    const query = { limit: 500, offset, user_id: userId ?? undefined };
    const page = await getOrMissing(options.api, path, `no organization ${organizationId} in Clerk`, query);
    if ('missing' in page) return page;
    const data = (page.object as { data: Json[] }).data;
    const found = data.find((m) => m.id === id);
    if (found) return { object: found };
    if (data.length < 500) return { missing: `no membership ${id} in organization ${organizationId}` };
  }
}

import {
  applyChanges,
  type ClerkDatabase,
  entityChangeFor,
  type PrivacyOptions,
  readMembershipKeys,
  readOrganizationOf,
} from '@clerk-sync/db';
import { InvalidEventError, type SnapshotKind, snapshotEvent } from '@clerk-sync/events';
import { type ClerkApi, ClerkApiError } from './clerk-api.js';
import { instanceIdFor } from './fetch-instance.js';
import type { Json } from './json.js';

/**
 * Clerk's id prefixes for the kinds a single object can be fetched for. Waitlist entries (`wle_`) are
 * not among them: the Backend API has no get-by-id for one, and no filter by id on their listing.
 */
export const idPrefixes = {
  user_: 'user',
  org_: 'organization',
  orgmem_: 'organization_membership',
  orginv_: 'organization_invitation',
  orgdmn_: 'organization_domain',
  role_: 'role',
  perm_: 'permission',
} as const satisfies Record<string, Exclude<SnapshotKind, 'waitlist_entry'>>;

/** The kinds {@link syncEntity} can fetch. */
export type SyncableKind = (typeof idPrefixes)[keyof typeof idPrefixes];

/** The kind an id's prefix names (`user_…` is a user), or undefined for any other id. */
export function kindOfId(id: string): SyncableKind | undefined {
  for (const [prefix, kind] of Object.entries(idPrefixes)) if (id.startsWith(prefix)) return kind;
  return undefined;
}

export interface SyncEntityOptions {
  db: ClerkDatabase['db'];
  /** Only `get` is used: any client that sends one authenticated GET will do. */
  api: Pick<ClerkApi, 'get'>;
  /** Defaults to the kind the id's prefix names. */
  kind?: SyncableKind;
  /** For a membership, invitation or domain with no local row: the organization to look for it in. */
  organizationId?: string;
  privacy?: PrivacyOptions;
  /**
   * The Clerk instance the key belongs to: rows are written as that instance's, and rows of other
   * instances are left alone (`conflict`); `null` (not known) writes only rows that record none.
   * Left out, it is asked from Clerk (`GET /v1/instance`), as the key's own answer.
   */
  instanceId?: string | null;
  /** As for the backfill: an object dated further ahead than this is not written. Defaults to one day. */
  maxFutureSkewMs?: number;
}

export type SyncEntityResult =
  /**
   * Written (`applied`), older than the local row and left alone (`stale`), or the local row belongs
   * to another Clerk instance and was left alone (`conflict`).
   */
  | { status: 'applied' | 'stale' | 'conflict'; kind: SyncableKind; id: string; version: number }
  /** Clerk has no such object (404); nothing was written. */
  | { status: 'not_found'; kind: SyncableKind; id: string; reason: string }
  /** Clerk's answer failed validation; nothing was written. */
  | { status: 'invalid'; kind: SyncableKind; id: string; reason: string };

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
    const instanceId = await instanceIdFor(options.api, options.instanceId);
    const [outcome = 'stale'] = await applyChanges(options.db, [change], {
      privacy: options.privacy,
      source: 'sync',
      instanceId,
    });
    return { status: outcome, kind, id, version };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return { status: 'invalid', kind, id, reason: error.reason };
  }
}

type Fetched = { object: Json } | { missing: string };

async function fetchObject(kind: SyncableKind, id: string, options: SyncEntityOptions): Promise<Fetched> {
  const path = (collection: string) => `/v1/${collection}/${encodeURIComponent(id)}`;
  switch (kind) {
    case 'user':
      return getOrMissing(options.api, path('users'), `no user ${id} in Clerk`);
    case 'organization':
      return getOrMissing(options.api, path('organizations'), `no organization ${id} in Clerk`);
    case 'role':
      return getOrMissing(options.api, path('organization_roles'), `no role ${id} in Clerk`);
    case 'permission':
      return getOrMissing(options.api, path('organization_permissions'), `no permission ${id} in Clerk`);
    case 'organization_invitation':
      return fetchInvitation(id, options);
    case 'organization_domain':
      return fetchDomain(id, options);
    case 'organization_membership':
      return fetchMembership(id, options);
  }
}

/** The organization to look in: the one named, else the local row's; without either, why there is none. */
async function organizationFor(
  table: 'organization_invitations' | 'organization_domains',
  what: string,
  id: string,
  options: SyncEntityOptions,
): Promise<{ organizationId: string } | { missing: string }> {
  const organizationId = options.organizationId ?? (await readOrganizationOf(options.db, table, id));
  if (organizationId) return { organizationId };
  return { missing: `${what} ${id} is not in the local copy: name its organization to find it in Clerk` };
}

/** An invitation is fetched by id under its organization. */
async function fetchInvitation(id: string, options: SyncEntityOptions): Promise<Fetched> {
  const found = await organizationFor('organization_invitations', 'invitation', id, options);
  if ('missing' in found) return found;
  const organization = encodeURIComponent(found.organizationId);
  const path = `/v1/organizations/${organization}/invitations/${encodeURIComponent(id)}`;
  return getOrMissing(options.api, path, `no invitation ${id} in organization ${found.organizationId}`);
}

/** The Backend API has no get-by-id for domains: list the organization's domains and pick the id. */
async function fetchDomain(id: string, options: SyncEntityOptions): Promise<Fetched> {
  const found = await organizationFor('organization_domains', 'domain', id, options);
  if ('missing' in found) return found;
  const path = `/v1/organizations/${encodeURIComponent(found.organizationId)}/domains`;
  return findInListing(options.api, path, id, {
    noParent: `no organization ${found.organizationId} in Clerk`,
    absent: `no domain ${id} in organization ${found.organizationId}`,
  });
}

/** Walks an offset-paged `{ data }` listing for the object with `id`. */
async function findInListing(
  api: Pick<ClerkApi, 'get'>,
  path: string,
  id: string,
  messages: { noParent: string; absent: string },
  filter: Record<string, string | undefined> = {},
): Promise<Fetched> {
  for (let offset = 0; ; offset += 500) {
    const page = await getOrMissing(api, path, messages.noParent, { limit: 500, offset, ...filter });
    if ('missing' in page) return page;
    const data = (page.object as { data: Json[] }).data;
    const found = data.find((item) => item.id === id);
    if (found) return { object: found };
    if (data.length < 500) return { missing: messages.absent };
  }
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
  return findInListing(
    options.api,
    path,
    id,
    {
      noParent: `no organization ${organizationId} in Clerk`,
      absent: `no membership ${id} in organization ${organizationId}`,
    },
    { user_id: userId ?? undefined },
  );
}

import { type ClerkApi, ClerkApiError } from '@clerk-sync/backend-api';
import type { Json, SourceName } from './sources.js';

interface Listing {
  members: Set<string> | null;
  at: number;
  /** Listed again after a miss: a second miss is then believed. */
  confirmed: boolean;
}

/** A listing is reused this long, within one run or across runs sharing an api. */
const LISTING_TTL_MS = 60_000;
const listings = new WeakMap<Pick<ClerkApi, 'get'>, Map<string, Listing>>();

const enc = encodeURIComponent;

/**
 * Asks Clerk about one object: only a 404 (or a vanished parent) proves it is gone. Users,
 * organizations, roles and permissions are fetched by id; an invitation by id under its organization.
 * Memberships and domains have no get-by-id, so they are looked up in their organization's listing,
 * and waitlist entries in the instance's; one missing from a listing is confirmed by listing again,
 * because an offset-paged listing can skip a row while others are deleted, and a tombstone is final.
 * A row of an organization's object that names no organization is never called gone.
 */
export async function isGone(
  api: Pick<ClerkApi, 'get'>,
  name: SourceName,
  id: string,
  organizationId: string | null,
): Promise<boolean> {
  const inOrganization = organizationId === null ? null : `/v1/organizations/${enc(organizationId)}`;
  switch (name) {
    case 'users':
      return notFound(api, `/v1/users/${enc(id)}`);
    case 'organizations':
      return notFound(api, `/v1/organizations/${enc(id)}`);
    case 'roles':
      return notFound(api, `/v1/organization_roles/${enc(id)}`);
    case 'permissions':
      return notFound(api, `/v1/organization_permissions/${enc(id)}`);
    case 'invitations':
      return inOrganization !== null && notFound(api, `${inOrganization}/invitations/${enc(id)}`);
    case 'memberships':
      return inOrganization !== null && absentFromListing(api, `${inOrganization}/memberships`, id);
    case 'domains':
      return inOrganization !== null && absentFromListing(api, `${inOrganization}/domains`, id);
    case 'waitlist_entries':
      // No parent here: a 404 for the instance's own listing proves nothing about an entry.
      return absentFromListing(api, '/v1/waitlist_entries', id, false);
  }
}

async function notFound(api: Pick<ClerkApi, 'get'>, path: string): Promise<boolean> {
  try {
    await api.get(path);
    return false;
  } catch (error) {
    if (error instanceof ClerkApiError && error.status === 404) return true;
    throw error;
  }
}

/**
 * Absent from the listing at `path` twice (the second listing fresh), or, when `parentGoneMeansGone`,
 * the listing answers 404 (the organization it belongs to is gone).
 */
async function absentFromListing(
  api: Pick<ClerkApi, 'get'>,
  path: string,
  id: string,
  parentGoneMeansGone = true,
): Promise<boolean> {
  let cache = listings.get(api);
  if (!cache) {
    cache = new Map();
    listings.set(api, cache);
  }
  let listing = cache.get(path);
  if (!listing || Date.now() - listing.at > LISTING_TTL_MS) {
    listing = { members: await listedIds(api, path), at: Date.now(), confirmed: false };
    cache.set(path, listing);
  }
  if (listing.members?.has(id)) return false;
  if (!listing.confirmed) {
    listing = { members: await listedIds(api, path), at: Date.now(), confirmed: true };
    cache.set(path, listing);
  }
  return listing.members === null ? parentGoneMeansGone : !listing.members.has(id);
}

/** Every id of an offset-paged `{ data }` listing; null when its parent answers 404. */
async function listedIds(api: Pick<ClerkApi, 'get'>, path: string): Promise<Set<string> | null> {
  const ids = new Set<string>();
  for (let offset = 0; ; offset += 500) {
    let body: { data: Json[] };
    try {
      body = await api.get(path, { limit: 500, offset });
    } catch (error) {
      if (error instanceof ClerkApiError && error.status === 404) return null;
      throw error;
    }
    for (const m of body.data) ids.add(String(m.id));
    if (body.data.length < 500) return ids;
  }
}

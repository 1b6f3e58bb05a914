import { type ClerkApi, ClerkApiError } from '@clerk-sync/backend-api';
import type { Json, Source } from './sources.js';

interface Listing {
  members: Set<string> | null;
  at: number;
  /** Listed again after a miss: a second miss is then believed. */
  confirmed: boolean;
}

/** An organization's listing is reused this long, within one run or across runs sharing an api. */
const LISTING_TTL_MS = 60_000;
const listings = new WeakMap<Pick<ClerkApi, 'get'>, Map<string, Listing>>();

/**
 * Asks Clerk about one object: only a 404 (or a vanished organization) proves it is gone. A membership
 * has no get-by-id, so it is looked up in its organization's listing; one missing from it is confirmed
 * by listing the organization again, because an offset-paged listing can skip a row while others are
 * deleted, and a tombstone is final.
 */
export async function isGone(
  api: Pick<ClerkApi, 'get'>,
  name: Source['name'],
  id: string,
  organizationId: string | null,
): Promise<boolean> {
  if (name === 'users') return notFound(api, `/v1/users/${encodeURIComponent(id)}`);
  if (name === 'organizations') return notFound(api, `/v1/organizations/${encodeURIComponent(id)}`);
  if (!organizationId) return false;
  let cache = listings.get(api);
  if (!cache) {
    cache = new Map();
    listings.set(api, cache);
  }
  let listing = cache.get(organizationId);
  if (!listing || Date.now() - listing.at > LISTING_TTL_MS) {
    listing = { members: await organizationMembers(api, organizationId), at: Date.now(), confirmed: false };
    cache.set(organizationId, listing);
  }
  if (listing.members?.has(id)) return false;
  if (!listing.confirmed) {
    listing = { members: await organizationMembers(api, organizationId), at: Date.now(), confirmed: true };
    cache.set(organizationId, listing);
  }
  return listing.members === null || !listing.members.has(id);
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

async function organizationMembers(
  api: Pick<ClerkApi, 'get'>,
  organizationId: string,
): Promise<Set<string> | null> {
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

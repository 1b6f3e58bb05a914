import { type ClerkApi, ClerkApiError } from '@clerk-sync/backend-api';
import type { Json, Source } from './sources.js';

const membersByOrganization = new WeakMap<Pick<ClerkApi, 'get'>, Map<string, Set<string> | null>>();

/** Asks Clerk about one object: only a 404 (or a vanished organization) proves it is gone. */
export async function isGone(
  api: Pick<ClerkApi, 'get'>,
  name: Source['name'],
  id: string,
  organizationId: string | null,
): Promise<boolean> {
  if (name === 'users') return notFound(api, `/v1/users/${encodeURIComponent(id)}`);
  if (name === 'organizations') return notFound(api, `/v1/organizations/${encodeURIComponent(id)}`);
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

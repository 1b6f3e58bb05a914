import { type ClerkApi, ClerkApiError } from '@clerk-sync/backend-api';
import { describe, expect, it } from 'vitest';
import { isGone } from './gone-check.js';

/** An api whose organization listing answers from `pages`, one answer per call, and counts calls. */
function listingApi(answers: string[][]) {
  const calls: string[] = [];
  const api: Pick<ClerkApi, 'get'> = {
    get: async (path: string) => {
      calls.push(path);
      const ids = answers[Math.min(calls.length - 1, answers.length - 1)] ?? [];
      return { data: ids.map((id) => ({ id })) } as never;
    },
  };
  return { api, calls };
}

describe('isGone for memberships', () => {
  it('confirms a membership missing from a listing by listing again, since paging can skip a row', async () => {
    // The first walk skipped orgmem_b (rows deleted while it paged); the second sees it.
    const { api, calls } = listingApi([['orgmem_a'], ['orgmem_a', 'orgmem_b']]);
    expect(await isGone(api, 'memberships', 'orgmem_b', 'org_1')).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('calls a membership gone only when the confirming listing misses it too, and lists once more at most', async () => {
    const { api, calls } = listingApi([['orgmem_a'], ['orgmem_a']]);
    expect(await isGone(api, 'memberships', 'orgmem_x', 'org_1')).toBe(true);
    expect(await isGone(api, 'memberships', 'orgmem_y', 'org_1')).toBe(true);
    expect(await isGone(api, 'memberships', 'orgmem_a', 'org_1')).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('never calls a membership gone without an organization to look in', async () => {
    const { api, calls } = listingApi([[]]);
    expect(await isGone(api, 'memberships', 'orgmem_a', null)).toBe(false);
    expect(calls).toHaveLength(0);
  });
});

describe('isGone for the other types', () => {
  it('lists a domain in its organization, and confirms a miss by listing once more', async () => {
    const { api, calls } = listingApi([['orgdmn_a'], ['orgdmn_a']]);
    expect(await isGone(api, 'domains', 'orgdmn_a', 'org_1')).toBe(false);
    expect(await isGone(api, 'domains', 'orgdmn_b', 'org_1')).toBe(true);
    expect(calls).toEqual(['/v1/organizations/org_1/domains', '/v1/organizations/org_1/domains']);
    expect(await isGone(api, 'domains', 'orgdmn_c', null)).toBe(false);
    expect(await isGone(api, 'invitations', 'orginv_c', null)).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('asks for an invitation by id under its organization, and for roles and permissions by id', async () => {
    const calls: string[] = [];
    const api: Pick<ClerkApi, 'get'> = {
      get: async (path: string) => {
        calls.push(path);
        if (path.endsWith('_gone')) throw new ClerkApiError('404', 404);
        return {} as never;
      },
    };
    expect(await isGone(api, 'invitations', 'orginv_gone', 'org_1')).toBe(true);
    expect(await isGone(api, 'roles', 'role_here', null)).toBe(false);
    expect(await isGone(api, 'permissions', 'perm_gone', null)).toBe(true);
    expect(calls).toEqual([
      '/v1/organizations/org_1/invitations/orginv_gone',
      '/v1/organization_roles/role_here',
      '/v1/organization_permissions/perm_gone',
    ]);
  });

  it('never calls a waitlist entry gone because the waitlist listing answers 404', async () => {
    const api: Pick<ClerkApi, 'get'> = {
      get: async () => {
        throw new ClerkApiError('404', 404);
      },
    };
    expect(await isGone(api, 'waitlist_entries', 'wle_a', null)).toBe(false);
    // A 404 for an organization's listing does mean its domains are gone.
    expect(await isGone(api, 'domains', 'orgdmn_a', 'org_gone')).toBe(true);
  });
});

import type { ClerkApi } from '@clerk-sync/backend-api';
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

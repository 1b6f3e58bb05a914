import type { ClerkApi, Json } from '@clerk-sync/backend-api';
import type { SnapshotKind } from '@clerk-sync/events';

export type { Json };

/** Where a listing stands: a cursor (users) or an offset (the offset-paged lists). */
export interface Position {
  cursor: string | null;
  offset: number;
}

export interface Page {
  items: Json[];
  next: Position;
  /** Known from the page itself for `{data, total_count}` answers. */
  total?: number;
}

/** One object type the Backend API lists, and how to page through all of it. */
export interface Source {
  kind: SnapshotKind;
  /** Name in `sync_state`, logs and the progress display. */
  name: 'users' | 'organizations' | 'memberships';
  /** Total count, when it costs a request of its own (users); otherwise read from the first page. */
  total?(api: ClerkApi): Promise<number>;
  page(api: ClerkApi, at: Position, limit: number): Promise<Page>;
}

/**
 * Users are walked oldest first with `starting_after`: a cursor page costs the same anywhere in the
 * list, and users created during the run land at the end, so they are included. The SDK's
 * `getUserList` would also call `/count` on every page, halving throughput under the rate limit.
 */
export const usersSource: Source = {
  kind: 'user',
  name: 'users',
  total: async (api) => (await api.get<{ total_count: number }>('/v1/users/count')).total_count,
  page: async (api, at, limit) => {
    const items = await api.get<Json[]>('/v1/users', {
      limit,
      order_by: '+created_at',
      starting_after: at.cursor ?? undefined,
    });
    const last = items.at(-1);
    return { items, next: { cursor: last ? String(last.id) : at.cursor, offset: 0 } };
  },
};

function offsetSource(kind: SnapshotKind, name: Source['name'], path: string): Source {
  return {
    kind,
    name,
    page: async (api, at, limit) => {
      const body = await api.get<{ data: Json[]; total_count: number }>(path, {
        limit,
        offset: at.offset,
        order_by: '+created_at',
      });
      return {
        items: body.data,
        total: body.total_count,
        next: { cursor: null, offset: at.offset + body.data.length },
      };
    },
  };
}

/** Only offset paging exists here; oldest first, so objects created during the run are appended. */
export const organizationsSource = offsetSource('organization', 'organizations', '/v1/organizations');

/** The instance-wide listing: one walk for every membership, instead of a call per organization. */
export const membershipsSource = offsetSource(
  'organization_membership',
  'memberships',
  '/v1/organization_memberships',
);

export const sources: readonly Source[] = [usersSource, organizationsSource, membershipsSource];

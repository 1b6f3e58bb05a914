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

/** The types a backfill walks, in order: parents before the objects that name them. */
export type SourceName =
  | 'users'
  | 'organizations'
  | 'memberships'
  | 'invitations'
  | 'domains'
  | 'roles'
  | 'permissions'
  | 'waitlist_entries';

/** One object type the Backend API lists, and how to page through all of it. */
export interface Source {
  kind: SnapshotKind;
  /** Name in `sync_state`, logs and the progress display. */
  name: SourceName;
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

/**
 * Organization invitations of every organization, in one instance-wide walk. Every status is listed
 * (no `status` filter), so accepted and revoked invitations are copied too. Not `GET /v1/invitations`:
 * that lists instance invitations (sign-up invitations), a different object with no table here.
 */
export const invitationsSource = offsetSource(
  'organization_invitation',
  'invitations',
  '/v1/organization_invitations',
);

/** Every organization's domains, in one instance-wide walk. */
export const domainsSource = offsetSource('organization_domain', 'domains', '/v1/organization_domains');

/** The instance's organization roles, each with the permissions it grants. */
export const rolesSource = offsetSource('role', 'roles', '/v1/organization_roles');

export const permissionsSource = offsetSource('permission', 'permissions', '/v1/organization_permissions');

export const waitlistSource = offsetSource('waitlist_entry', 'waitlist_entries', '/v1/waitlist_entries');

export const sources: readonly Source[] = [
  usersSource,
  organizationsSource,
  membershipsSource,
  invitationsSource,
  domainsSource,
  rolesSource,
  permissionsSource,
  waitlistSource,
];

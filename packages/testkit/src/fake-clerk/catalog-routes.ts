import type { CatalogKind } from './catalog-object.js';

type Json = Record<string, unknown>;

/** Objects put in by tests, by kind and id. */
export type Catalog = Map<CatalogKind, Map<string, Json>>;

export interface Answer {
  status: number;
  body: unknown;
}

interface Paging {
  limit: number;
  offset: number;
}

/** An instance-wide listing: its kind, the `order_by` fields the spec allows, and its filters. */
interface ListRoute {
  kind: CatalogKind;
  orders: string[];
  /** Query parameters that filter on a field of the same name. */
  filters: string[];
}

const invitationsRoute: ListRoute = {
  kind: 'organization_invitation',
  orders: ['created_at', 'email_address'],
  filters: ['status'],
};
const domainsRoute: ListRoute = {
  kind: 'organization_domain',
  orders: ['created_at', 'name'],
  filters: ['organization_id'],
};

const listRoutes: Record<string, ListRoute> = {
  '/v1/organization_invitations': invitationsRoute,
  '/v1/organization_domains': domainsRoute,
  '/v1/organization_roles': { kind: 'role', orders: ['created_at', 'name', 'key'], filters: [] },
  '/v1/organization_permissions': { kind: 'permission', orders: ['created_at', 'name', 'key'], filters: [] },
  '/v1/waitlist_entries': {
    kind: 'waitlist_entry',
    orders: ['created_at', 'email_address', 'invited_at'],
    filters: ['status'],
  },
};

const byIdRoutes: Record<string, CatalogKind> = {
  organization_roles: 'role',
  organization_permissions: 'permission',
};

/**
 * Answers the spec's endpoints for invitations, domains, roles, permissions and waitlist entries, or
 * undefined for any other path:
 * - `GET /v1/organization_invitations`, `/v1/organization_domains`, `/v1/organization_roles`,
 *   `/v1/organization_permissions`, `/v1/waitlist_entries` — `{ data, total_count }`, `limit`/`offset`,
 *   `order_by` (default `-created_at`; an unknown field is a 422), and the `status` or
 *   `organization_id` filter where the spec has one;
 * - `GET /v1/organization_roles/{id}`, `/v1/organization_permissions/{id}` — one object, or 404;
 * - `GET /v1/organizations/{id}/invitations` (`status` filter) and `/v1/organizations/{id}/domains` —
 *   `{ data, total_count }`, newest first, 404 for an unknown organization;
 * - `GET /v1/organizations/{id}/invitations/{invitation_id}` — one invitation of that organization, or 404.
 */
export function catalogAnswer(
  url: URL,
  paging: Paging,
  catalog: Catalog,
  hasOrganization: (id: string) => boolean,
): Answer | undefined {
  const route = listRoutes[url.pathname];
  if (route) return listAnswer(route, url.searchParams, paging, all(catalog, route.kind));
  const [, v1, collection, id, sub, subId, ...rest] = url.pathname.split('/');
  if (v1 !== 'v1' || !collection || !id || rest.length > 0) return undefined;
  const kind = byIdRoutes[collection];
  if (kind) return sub ? notFound() : one(catalog.get(kind)?.get(id));
  if (collection !== 'organizations' || (sub !== 'invitations' && sub !== 'domains')) return undefined;
  if (!hasOrganization(id)) return notFound();
  const inOrganization = (k: CatalogKind) => all(catalog, k).filter((o) => o.organization_id === id);
  if (sub === 'domains') {
    if (subId) return undefined;
    // No `order_by` or filters on this one in the spec: newest first.
    return listAnswer(domainsRoute, new URLSearchParams(), paging, inOrganization('organization_domain'));
  }
  const invitations = inOrganization('organization_invitation');
  if (subId) return one(invitations.find((o) => o.id === subId));
  return listAnswer(invitationsRoute, url.searchParams, paging, invitations);
}

function all(catalog: Catalog, kind: CatalogKind): Json[] {
  return [...(catalog.get(kind)?.values() ?? [])];
}

function listAnswer(route: ListRoute, query: URLSearchParams, paging: Paging, items: Json[]): Answer {
  const order = query.get('order_by') ?? '-created_at';
  const field = order.replace(/^[+-]/, '');
  if (!route.orders.includes(field)) return invalid(`order_by: unknown field ${field}`);
  let listed = items;
  for (const filter of route.filters) {
    const wanted = query.getAll(filter);
    if (wanted.length > 0) listed = listed.filter((o) => wanted.includes(String(o[filter])));
  }
  const sign = order.startsWith('-') ? -1 : 1;
  const sorted = listed.sort(
    (a, b) => sign * compare(a[field], b[field]) || String(a.id).localeCompare(String(b.id)),
  );
  return {
    status: 200,
    body: { data: sorted.slice(paging.offset, paging.offset + paging.limit), total_count: sorted.length },
  };
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

function one(object: Json | undefined): Answer {
  return object ? { status: 200, body: object } : notFound();
}

function notFound(): Answer {
  return { status: 404, body: errors('resource_not_found', 'not found') };
}

function invalid(message: string): Answer {
  return { status: 422, body: errors('form_param_value_invalid', message) };
}

function errors(code: string, message: string) {
  return { errors: [{ message, long_message: message, code }], clerk_trace_id: 'fake' };
}

import type { HandledEvent, HandledEventType } from '@clerk-sync/events';
import { type EntityChange, iso } from './entity-change.js';
import { membershipTable, organizationTable, userTable } from './entity-tables.js';

type EventOf<T extends HandledEventType> = Extract<HandledEvent, { type: T }>;

/** Turns one validated event, with its ordering version, into the row change it implies. */
export type Handler<T extends HandledEventType> = (event: EventOf<T>, version: number) => EntityChange;

type UserData = EventOf<'user.created'>['data'];
type OrganizationData = EventOf<'organization.created'>['data'];
type MembershipData = EventOf<'organizationMembership.created'>['data'];
type DeletedData = EventOf<'user.deleted'>['data'];

const upsertUser = (data: UserData, version: number): EntityChange => ({
  table: userTable,
  kind: 'upsert',
  id: data.id,
  version,
  values: {
    email: data.email_addresses.find((e) => e.id === data.primary_email_address_id)?.email_address ?? null,
    first_name: data.first_name ?? null,
    last_name: data.last_name ?? null,
    username: data.username ?? null,
    image_url: data.image_url ?? null,
    external_id: data.external_id ?? null,
    created_at: iso(data.created_at),
    updated_at: iso(data.updated_at),
    last_sign_in_at: iso(data.last_sign_in_at),
    last_active_at: iso(data.last_active_at),
    banned: data.banned ?? null,
    locked: data.locked ?? null,
    public_metadata: data.public_metadata ?? null,
  },
});

const upsertOrganization = (data: OrganizationData, version: number): EntityChange => ({
  table: organizationTable,
  kind: 'upsert',
  id: data.id,
  version,
  values: {
    name: data.name,
    slug: data.slug ?? null,
    image_url: data.image_url ?? null,
    created_by: data.created_by ?? null,
    created_at: iso(data.created_at),
    updated_at: iso(data.updated_at),
    public_metadata: data.public_metadata ?? null,
  },
});

const membershipValues = (data: MembershipData) => ({
  organization_id: data.organization.id,
  user_id: data.public_user_data.user_id,
  role: data.role,
  role_name: data.role_name ?? null,
  permissions: data.permissions ?? null,
  created_at: iso(data.created_at),
  updated_at: iso(data.updated_at),
});

const upsertMembership = (data: MembershipData, version: number): EntityChange => ({
  table: membershipTable,
  kind: 'upsert',
  id: data.id,
  version,
  values: membershipValues(data),
});

/** A tombstone keeps only what the delete event itself says; `applyEvents` nulls personal columns. */
export const tombstone = (
  table: EntityChange['table'],
  id: string,
  version: number,
  values: Record<string, unknown> = {},
): EntityChange => ({ table, kind: 'delete', id, version, values, deletedAt: iso(version) ?? undefined });

/**
 * What each handled event type does, as a table rather than a switch: adding a type to
 * `handledEvents` without a handler here is a compile error.
 */
export const handlers = {
  'user.created': (e, v) => upsertUser(e.data, v),
  'user.updated': (e, v) => upsertUser(e.data, v),
  'user.deleted': (e, v) =>
    tombstone(userTable, e.data.id, v, { external_id: (e.data as DeletedData).external_id }),
  'organization.created': (e, v) => upsertOrganization(e.data, v),
  'organization.updated': (e, v) => upsertOrganization(e.data, v),
  'organization.deleted': (e, v) => tombstone(organizationTable, e.data.id, v, { slug: e.data.slug ?? null }),
  'organizationMembership.created': (e, v) => upsertMembership(e.data, v),
  'organizationMembership.updated': (e, v) => upsertMembership(e.data, v),
  'organizationMembership.deleted': (e, v) =>
    tombstone(membershipTable, e.data.id, v, membershipValues(e.data)),
} satisfies { [T in HandledEventType]: Handler<T> };

/** Dispatches through `handlers`; the cast is the one place TypeScript cannot follow the correlation. */
export function changeFor(event: HandledEvent, version: number): EntityChange {
  return (handlers[event.type] as Handler<HandledEventType>)(event, version);
}

import type { HandledEvent, HandledEventType } from '@clerk-sync/events';
import type { EntityTable } from '../schema/entity-table.js';
import { organizationTable } from '../tables/organization.table.js';
import { domainTable } from '../tables/organization-domain.table.js';
import { invitationTable } from '../tables/organization-invitation.table.js';
import { membershipTable } from '../tables/organization-membership.table.js';
import { paymentAttemptTable } from '../tables/payment-attempt.table.js';
import { permissionTable } from '../tables/permission.table.js';
import { roleTable } from '../tables/role.table.js';
import { sessionTable } from '../tables/session.table.js';
import { subscriptionTable } from '../tables/subscription.table.js';
import { subscriptionItemTable } from '../tables/subscription-item.table.js';
import { userTable } from '../tables/user.table.js';
import { waitlistEntryTable } from '../tables/waitlist-entry.table.js';
import { type Change, type EntityChange, iso, type MessageChange } from './entity-change.js';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

type EventOf<T extends HandledEventType> = Extract<HandledEvent, { type: T }>;
type DataOf<T extends HandledEventType> = EventOf<T>['data'];

/** Turns one validated event, with its ordering version, into the row change it implies. */
export type Handler<T extends HandledEventType> = DataHandler<DataOf<T>>;

/** Typed by the data shape alone, so one function can serve every action of an object (created, updated…). */
type DataHandler<D> = (event: { data: D }, version: number, privacy: PrivacyOptions) => Change;

const upsert = (
  table: EntityTable,
  id: string,
  version: number,
  values: Record<string, unknown>,
): EntityChange => ({
  table,
  kind: 'upsert',
  id,
  version,
  values,
});

/** A tombstone keeps only what the delete event itself says; personal columns are nulled on write. */
export const tombstone = (
  table: EntityTable,
  id: string,
  version: number,
  values: Record<string, unknown> = {},
): EntityChange => ({ table, kind: 'delete', id, version, values, deletedAt: iso(version) ?? undefined });

const userValues = (d: DataOf<'user.created'>, p: PrivacyOptions) => ({
  email: d.email_addresses.find((e) => e.id === d.primary_email_address_id)?.email_address ?? null,
  first_name: d.first_name ?? null,
  last_name: d.last_name ?? null,
  username: d.username ?? null,
  image_url: d.image_url ?? null,
  external_id: d.external_id ?? null,
  created_at: iso(d.created_at),
  updated_at: iso(d.updated_at),
  last_sign_in_at: iso(d.last_sign_in_at),
  last_active_at: iso(d.last_active_at),
  banned: d.banned ?? null,
  locked: d.locked ?? null,
  public_metadata: d.public_metadata ?? null,
  phone_number: p.storePhoneNumbers
    ? (d.phone_numbers.find((n) => n.id === d.primary_phone_number_id)?.phone_number ?? null)
    : null,
  private_metadata: p.storePrivateMetadata ? (d.private_metadata ?? null) : null,
  external_accounts: p.storeExternalAccounts ? (d.external_accounts ?? null) : null,
  web3_wallets: p.storeWeb3Wallets ? (d.web3_wallets ?? null) : null,
});

/**
 * All of a user's addresses, for the erasure registry: every email address, and the phone numbers when
 * a phone number may be stored somewhere (the user's row, or an SMS's recipient); otherwise a phone
 * number's hash, which is easy to reverse, would be the only trace of it in the copy.
 */
const userAddresses = (d: DataOf<'user.created'>, p: PrivacyOptions): string[] => [
  ...d.email_addresses.map((e) => e.email_address),
  ...(p.storePhoneNumbers || p.storeMessageContent ? d.phone_numbers.map((n) => n.phone_number) : []),
];

const user: DataHandler<DataOf<'user.created'>> = ({ data: d }, v, p) => ({
  ...upsert(userTable, d.id, v, userValues(d, p)),
  addresses: userAddresses(d, p),
});

const organizationValues = (d: DataOf<'organization.created'>) => ({
  name: d.name,
  slug: d.slug ?? null,
  image_url: d.image_url ?? null,
  created_by: d.created_by ?? null,
  created_at: iso(d.created_at),
  updated_at: iso(d.updated_at),
  public_metadata: d.public_metadata ?? null,
});

const membershipValues = (d: DataOf<'organizationMembership.created'>) => ({
  organization_id: d.organization.id,
  user_id: d.public_user_data?.user_id ?? null,
  role: d.role,
  role_name: d.role_name ?? null,
  permissions: d.permissions ?? null,
  created_at: iso(d.created_at),
  updated_at: iso(d.updated_at),
});

const invitation: DataHandler<DataOf<'organizationInvitation.created'>> = ({ data: d }, v) =>
  upsert(invitationTable, d.id, v, {
    organization_id: d.organization_id ?? null,
    email_address: d.email_address ?? null,
    user_id: d.user_id ?? null,
    role: d.role ?? null,
    role_name: d.role_name ?? null,
    status: d.status ?? null,
    expires_at: iso(d.expires_at),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const domain: DataHandler<DataOf<'organizationDomain.created'>> = ({ data: d }, v) =>
  upsert(domainTable, d.id, v, {
    organization_id: d.organization_id ?? null,
    name: d.name ?? null,
    enrollment_mode: d.enrollment_mode ?? null,
    verification_status: d.verification?.status ?? null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const session: DataHandler<DataOf<'session.created'>> = ({ data: d }, v) =>
  upsert(sessionTable, d.id, v, {
    user_id: d.user_id,
    client_id: d.client_id ?? null,
    status: d.status,
    last_active_organization_id: d.last_active_organization_id ?? null,
    last_active_at: iso(d.last_active_at),
    expire_at: iso(d.expire_at),
    abandon_at: iso(d.abandon_at),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const role: DataHandler<DataOf<'role.created'>> = ({ data: d }, v) =>
  upsert(roleTable, d.id, v, {
    key: d.key ?? null,
    name: d.name ?? null,
    description: d.description ?? null,
    is_creator_eligible: d.is_creator_eligible ?? null,
    permissions: d.permissions?.map((p) => p.key) ?? null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const permission: DataHandler<DataOf<'permission.created'>> = ({ data: d }, v) =>
  upsert(permissionTable, d.id, v, {
    key: d.key ?? null,
    name: d.name ?? null,
    description: d.description ?? null,
    type: d.type ?? null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const waitlistEntry: DataHandler<DataOf<'waitlistEntry.created'>> = ({ data: d }, v) =>
  upsert(waitlistEntryTable, d.id, v, {
    email_address: d.email_address ?? null,
    status: d.status ?? null,
    is_locked: d.is_locked ?? null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

/** Clerk sends `""` for a payer without an organization. */
const orNull = (s: string | null | undefined) => (s ? s : null);

const subscription: DataHandler<DataOf<'subscription.created'>> = ({ data: d }, v) =>
  upsert(subscriptionTable, d.id, v, {
    status: d.status ?? null,
    payer_id: d.payer_id ?? d.payer?.id ?? null,
    user_id: orNull(d.payer?.user_id),
    organization_id: orNull(d.payer?.organization_id),
    latest_payment_id: d.latest_payment_id ?? null,
    active_at: iso(d.active_at),
    canceled_at: iso(d.canceled_at),
    ended_at: iso(d.ended_at),
    past_due_at: iso(d.past_due_at),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const subscriptionItem: DataHandler<DataOf<'subscriptionItem.created'>> = ({ data: d }, v) =>
  upsert(subscriptionItemTable, d.id, v, {
    subscription_id: d.subscription_id ?? null,
    status: d.status ?? null,
    plan_id: d.plan_id ?? null,
    plan_slug: d.plan?.slug ?? null,
    plan_name: d.plan?.name ?? null,
    amount: d.plan?.amount ?? null,
    currency: d.plan?.currency ?? null,
    interval: d.interval ?? null,
    is_free_trial: d.is_free_trial ?? null,
    user_id: orNull(d.payer?.user_id),
    period_start: iso(d.period_start),
    period_end: iso(d.period_end),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const paymentAttempt: DataHandler<DataOf<'paymentAttempt.created'>> = ({ data: d }, v) =>
  upsert(paymentAttemptTable, d.id, v, {
    payment_id: d.payment_id ?? null,
    status: d.status ?? null,
    charge_type: d.charge_type ?? null,
    user_id: orNull(d.payer?.user_id),
    amount: d.totals?.grand_total?.amount ?? null,
    currency: d.totals?.grand_total?.currency ?? null,
    paid_at: iso(d.paid_at),
    failed_at: iso(d.failed_at),
    billing_date: iso(d.billing_date),
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
  });

const email: DataHandler<DataOf<'email.created'>> = ({ data: d }, v, p): MessageChange => ({
  kind: 'message',
  id: d.id,
  values: {
    kind: 'email',
    user_id: d.user_id ?? null,
    address_id: d.email_address_id ?? null,
    slug: d.slug ?? null,
    status: d.status ?? null,
    delivered_by_clerk: d.delivered_by_clerk ?? null,
    to_address: p.storeMessageContent ? (d.to_email_address ?? null) : null,
    subject: p.storeMessageContent ? (d.subject ?? null) : null,
    body: p.storeMessageContent ? (d.body_plain ?? d.body ?? null) : null,
    created_at: iso(v),
  },
});

const sms: DataHandler<DataOf<'sms.created'>> = ({ data: d }, v, p): MessageChange => ({
  kind: 'message',
  id: d.id,
  values: {
    kind: 'sms',
    user_id: d.user_id ?? null,
    address_id: d.phone_number_id ?? null,
    slug: d.slug ?? null,
    status: d.status ?? null,
    delivered_by_clerk: d.delivered_by_clerk ?? null,
    to_address: p.storeMessageContent ? (d.to_phone_number ?? null) : null,
    subject: null,
    body: p.storeMessageContent ? (d.message ?? null) : null,
    created_at: iso(d.created_at ?? v),
  },
});

/**
 * What each event type does, as a table rather than a switch: adding a type to `handledEvents`
 * without a handler here is a compile error.
 */
export const handlers = {
  'user.created': user,
  'user.updated': user,
  'user.deleted': (e, v) => tombstone(userTable, e.data.id, v, { external_id: e.data.external_id ?? null }),
  'organization.created': (e, v) => upsert(organizationTable, e.data.id, v, organizationValues(e.data)),
  'organization.updated': (e, v) => upsert(organizationTable, e.data.id, v, organizationValues(e.data)),
  'organization.deleted': (e, v) => tombstone(organizationTable, e.data.id, v, { slug: e.data.slug ?? null }),
  'organizationMembership.created': (e, v) => upsert(membershipTable, e.data.id, v, membershipValues(e.data)),
  'organizationMembership.updated': (e, v) => upsert(membershipTable, e.data.id, v, membershipValues(e.data)),
  'organizationMembership.deleted': (e, v) =>
    tombstone(membershipTable, e.data.id, v, membershipValues(e.data)),
  'organizationInvitation.created': invitation,
  'organizationInvitation.accepted': invitation,
  'organizationInvitation.revoked': invitation,
  'organizationDomain.created': domain,
  'organizationDomain.updated': domain,
  'organizationDomain.deleted': (e, v) => tombstone(domainTable, e.data.id, v),
  'session.created': session,
  'session.ended': session,
  'session.removed': session,
  'session.revoked': session,
  'session.pending': session,
  'role.created': role,
  'role.updated': role,
  'role.deleted': (e, v) => tombstone(roleTable, e.data.id, v),
  'permission.created': permission,
  'permission.updated': permission,
  'permission.deleted': (e, v) => tombstone(permissionTable, e.data.id, v),
  'waitlistEntry.created': waitlistEntry,
  'waitlistEntry.updated': waitlistEntry,
  'subscription.created': subscription,
  'subscription.updated': subscription,
  'subscription.active': subscription,
  'subscription.pastDue': subscription,
  'subscriptionItem.created': subscriptionItem,
  'subscriptionItem.updated': subscriptionItem,
  'subscriptionItem.active': subscriptionItem,
  'subscriptionItem.canceled': subscriptionItem,
  'subscriptionItem.upcoming': subscriptionItem,
  'subscriptionItem.ended': subscriptionItem,
  'subscriptionItem.abandoned': subscriptionItem,
  'subscriptionItem.incomplete': subscriptionItem,
  'subscriptionItem.pastDue': subscriptionItem,
  'subscriptionItem.freeTrialEnding': subscriptionItem,
  'paymentAttempt.created': paymentAttempt,
  'paymentAttempt.updated': paymentAttempt,
  'email.created': email,
  'sms.created': sms,
} satisfies { [T in HandledEventType]: Handler<T> };

/**
 * The other row an event brings besides its own: a `session.*` carries its user, a full User snapshot
 * (`prepareEvent` keeps it only if it is the session's own user and not from the future). It goes
 * through the users' order guard like a `user.updated` of its version (`updated_at`), so the user's
 * `last_sign_in_at` and `last_active_at` stay fresh without ever moving a row backwards. A snapshot
 * whose primary email is not among its addresses is not a faithful copy of the user (Clerk's own
 * example is one) and is left out, so it cannot clear an address the row holds.
 */
export function companionChanges(
  event: HandledEvent,
  privacy: PrivacyOptions = defaultPrivacy,
): EntityChange[] {
  if (!event.type.startsWith('session.')) return [];
  const u = (event.data as { user?: DataOf<'user.created'> }).user;
  if (u === undefined) return [];
  const primary = u.primary_email_address_id;
  if (primary && !u.email_addresses.some((e) => e.id === primary)) return [];
  return [user({ data: u }, u.updated_at, privacy) as EntityChange];
}

/**
 * Dispatches through `handlers`; the cast is the one place TypeScript cannot follow the correlation.
 * The type is checked against the table's own keys, so a `type` such as `toString` that slipped past
 * the types can never call a function inherited from Object.prototype.
 */
export function changeFor(
  event: HandledEvent,
  version: number,
  privacy: PrivacyOptions = defaultPrivacy,
): Change {
  if (!Object.hasOwn(handlers, event.type)) throw new Error(`no handler for event type ${event.type}`);
  return (handlers[event.type] as Handler<HandledEventType>)(event, version, privacy);
}

/** `changeFor` for objects that are always entity rows (backfill snapshots of users, organizations, memberships). */
export function entityChangeFor(
  event: HandledEvent,
  version: number,
  privacy: PrivacyOptions = defaultPrivacy,
): EntityChange {
  const change = changeFor(event, version, privacy);
  if (change.kind === 'message') throw new Error(`${event.type} is not an entity`);
  return change;
}

/**
 * Entity kinds, named after Clerk's event type prefixes. Every Clerk event type is
 * `<prefix>.<action>`, e.g. `organizationMembership.updated`.
 */
export const entityKinds = {
  user: 'user',
  organization: 'organization',
  organizationMembership: 'organization_membership',
  organizationInvitation: 'organization_invitation',
  organizationDomain: 'organization_domain',
  session: 'session',
  email: 'email',
  sms: 'sms',
  role: 'role',
  permission: 'permission',
  waitlistEntry: 'waitlist_entry',
  subscription: 'subscription',
  subscriptionItem: 'subscription_item',
  paymentAttempt: 'payment_attempt',
} as const;

export type EntityKind = (typeof entityKinds)[keyof typeof entityKinds];

/** The entity kind of an event type; unknown prefixes are snake_cased so new types still get a stable key. */
export function entityKindOf(eventType: string): string {
  const prefix = eventType.split('.', 1)[0] ?? eventType;
  // Own keys only: a prefix such as `constructor` or `__proto__` must not reach Object.prototype.
  if (Object.hasOwn(entityKinds, prefix)) return entityKinds[prefix as keyof typeof entityKinds];
  return prefix.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The key that identifies what an event changes, e.g. `user:user_2g7…` or
 * `organization_membership:orgmem_…`. Events with the same key are ordered by `eventVersion`.
 */
export function entityKey(event: { type: string; data: { id?: unknown } }): string {
  const id = typeof event.data.id === 'string' ? event.data.id : '';
  return `${entityKindOf(event.type)}:${id}`;
}

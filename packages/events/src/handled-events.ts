import type { WebhookEventType } from '@clerk/backend';
import type { z } from 'zod';
import {
  deletedObjectSchema,
  domainDataSchema,
  emailDataSchema,
  invitationDataSchema,
  membershipDataSchema,
  organizationDataSchema,
  paymentAttemptDataSchema,
  permissionDataSchema,
  roleDataSchema,
  sessionDataSchema,
  smsDataSchema,
  subscriptionDataSchema,
  subscriptionItemDataSchema,
  userDataSchema,
  waitlistEntryDataSchema,
} from './schemas.js';

/** Event types Clerk sends that its SDK's `WebhookEventType` does not list (yet). */
type ExtraEventType = 'session.pending';

interface EventSpec {
  schema: z.ZodType;
  /** Deletes take their version from the envelope timestamp. */
  isDelete: boolean;
}

const upsert = <S extends z.ZodType>(schema: S) => ({ schema, isDelete: false }) as const;
const remove = <S extends z.ZodType>(schema: S) => ({ schema, isDelete: true }) as const;

/**
 * Every event type Clerk sends, and the schema its `data` must satisfy. It must list every type in
 * `@clerk/backend`'s `WebhookEventType`: when the SDK learns a new type, this stops compiling until
 * the type is handled here and in the db package's handler table.
 */
export const handledEvents = {
  'user.created': upsert(userDataSchema),
  'user.updated': upsert(userDataSchema),
  'user.deleted': remove(deletedObjectSchema),
  'organization.created': upsert(organizationDataSchema),
  'organization.updated': upsert(organizationDataSchema),
  'organization.deleted': remove(deletedObjectSchema),
  'organizationMembership.created': upsert(membershipDataSchema),
  'organizationMembership.updated': upsert(membershipDataSchema),
  'organizationMembership.deleted': remove(membershipDataSchema),
  'organizationInvitation.created': upsert(invitationDataSchema),
  'organizationInvitation.accepted': upsert(invitationDataSchema),
  'organizationInvitation.revoked': upsert(invitationDataSchema),
  'organizationDomain.created': upsert(domainDataSchema),
  'organizationDomain.updated': upsert(domainDataSchema),
  'organizationDomain.deleted': remove(deletedObjectSchema),
  'session.created': upsert(sessionDataSchema),
  'session.ended': upsert(sessionDataSchema),
  'session.removed': upsert(sessionDataSchema),
  'session.revoked': upsert(sessionDataSchema),
  'session.pending': upsert(sessionDataSchema),
  'role.created': upsert(roleDataSchema),
  'role.updated': upsert(roleDataSchema),
  'role.deleted': remove(deletedObjectSchema),
  'permission.created': upsert(permissionDataSchema),
  'permission.updated': upsert(permissionDataSchema),
  'permission.deleted': remove(deletedObjectSchema),
  'waitlistEntry.created': upsert(waitlistEntryDataSchema),
  'waitlistEntry.updated': upsert(waitlistEntryDataSchema),
  'subscription.created': upsert(subscriptionDataSchema),
  'subscription.updated': upsert(subscriptionDataSchema),
  'subscription.active': upsert(subscriptionDataSchema),
  'subscription.pastDue': upsert(subscriptionDataSchema),
  'subscriptionItem.created': upsert(subscriptionItemDataSchema),
  'subscriptionItem.updated': upsert(subscriptionItemDataSchema),
  'subscriptionItem.active': upsert(subscriptionItemDataSchema),
  'subscriptionItem.canceled': upsert(subscriptionItemDataSchema),
  'subscriptionItem.upcoming': upsert(subscriptionItemDataSchema),
  'subscriptionItem.ended': upsert(subscriptionItemDataSchema),
  'subscriptionItem.abandoned': upsert(subscriptionItemDataSchema),
  'subscriptionItem.incomplete': upsert(subscriptionItemDataSchema),
  'subscriptionItem.pastDue': upsert(subscriptionItemDataSchema),
  'subscriptionItem.freeTrialEnding': upsert(subscriptionItemDataSchema),
  'paymentAttempt.created': upsert(paymentAttemptDataSchema),
  'paymentAttempt.updated': upsert(paymentAttemptDataSchema),
  'email.created': upsert(emailDataSchema),
  'sms.created': upsert(smsDataSchema),
} as const satisfies Record<WebhookEventType | ExtraEventType, EventSpec>;

export type HandledEventType = keyof typeof handledEvents;

/** A validated event of a handled type: `data` holds exactly the fields we may store. */
export type HandledEvent = {
  [T in HandledEventType]: { type: T; data: z.infer<(typeof handledEvents)[T]['schema']> };
}[HandledEventType];

export function isHandledEventType(type: string): type is HandledEventType {
  return Object.hasOwn(handledEvents, type);
}

import { z } from 'zod';
import { toMillis } from './timestamps.js';

/**
 * Runtime schemas for the fields the worker reads. Anything else in Clerk's payloads is dropped on
 * parse: we only keep what we store. Optional or nullable fields are the ones legacy payloads omit.
 */

/** The largest time a JavaScript `Date` can hold; beyond it, turning the value into a timestamp throws. */
const MAX_EPOCH_MS = 8.64e15;
/**
 * An epoch time, read as milliseconds. Some payloads (Backend API objects, spec examples) carry
 * seconds: those become milliseconds here, so a backfilled `created_at` does not land in 1970 and a
 * version in seconds does not lose to every millisecond version. See `toMillis`.
 */
const epochMs = z
  .number()
  .finite()
  .nonnegative()
  .max(MAX_EPOCH_MS, 'must be a time a Date can hold')
  .transform(toMillis);
const text = z.string().nullish();
const metadata = z.record(z.string(), z.unknown()).nullish();

/**
 * Email and phone entries are optional-`id` in the spec. Only the primary one is stored, and it is
 * found by id, so an entry without an id can never be it: drop it rather than refuse the user.
 */
function withIds<T extends { id?: string | null | undefined }>(
  list: T[] | null | undefined,
): Array<T & { id: string }> {
  return (list ?? []).filter((entry): entry is T & { id: string } => typeof entry.id === 'string');
}

export const envelopeSchema = z.object({
  type: z.string().min(1),
  object: z.literal('event').optional(),
  data: z.record(z.string(), z.unknown()),
  timestamp: epochMs.optional(),
  instance_id: z.string().nullish(),
});

export const userDataSchema = z.object({
  id: z.string().min(1),
  created_at: epochMs,
  updated_at: epochMs,
  primary_email_address_id: text,
  email_addresses: z
    .array(z.object({ id: text, email_address: z.string() }))
    .nullish()
    .transform(withIds),
  first_name: text,
  last_name: text,
  username: text,
  image_url: text,
  external_id: text,
  last_sign_in_at: epochMs.nullish(),
  last_active_at: epochMs.nullish(),
  banned: z.boolean().nullish(),
  locked: z.boolean().nullish(),
  public_metadata: metadata,
  private_metadata: metadata,
  primary_phone_number_id: text,
  phone_numbers: z
    .array(z.object({ id: text, phone_number: z.string() }))
    .nullish()
    .transform(withIds),
  external_accounts: z.array(z.record(z.string(), z.unknown())).nullish(),
  web3_wallets: z.array(z.record(z.string(), z.unknown())).nullish(),
});

/** The spec does not require `id` here; `prepareEvent` records a delete without one as ignored. */
export const deletedObjectSchema = z.object({
  id: z.string().min(1),
  deleted: z.boolean().optional(),
  external_id: text,
  slug: text,
});

export const organizationDataSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  slug: text,
  image_url: text,
  created_by: text,
  created_at: epochMs,
  updated_at: epochMs,
  public_metadata: metadata,
});

export const membershipDataSchema = z.object({
  id: z.string().min(1),
  role: z.string().min(1).transform(normaliseRole),
  role_name: text,
  permissions: z.array(z.string()).nullish(),
  organization: z.object({ id: z.string().min(1) }),
  /** Optional in the spec: a membership without it is stored with `user_id` null until an event brings it. */
  public_user_data: z.object({ user_id: z.string().min(1) }).nullish(),
  created_at: epochMs,
  updated_at: epochMs,
});

const legacyRoles = new Map([
  ['admin', 'org:admin'],
  ['basic_member', 'org:member'],
]);

/**
 * Legacy payloads say `admin` or `basic_member`; current ones always use `org:` keys. A Map, not an
 * object literal, so that a role named `toString` or `__proto__` is just another custom role.
 */
export function normaliseRole(role: string): string {
  if (role.startsWith('org:')) return role;
  return legacyRoles.get(role) ?? `org:${role}`;
}

export type Envelope = z.infer<typeof envelopeSchema>;
export type UserData = z.infer<typeof userDataSchema>;
export type DeletedObjectData = z.infer<typeof deletedObjectSchema>;
export type OrganizationData = z.infer<typeof organizationDataSchema>;
export type MembershipData = z.infer<typeof membershipDataSchema>;

// ---- the other event types -------------------------------------------------------------------
// Fields that some example or legacy payloads omit are nullish; ids and updated_at are required
// wherever the object has a lifecycle, because ordering depends on them.

const id = z.string().min(1);

export const sessionDataSchema = z.object({
  id,
  user_id: z.string().min(1),
  /**
   * The session's user, as a full User (the spec requires it on `session.*`): it refreshes the user's
   * row (`last_sign_in_at`, `last_active_at`, …) through the users' own order guard. A user object that
   * does not validate is left out rather than failing the session.
   */
  user: userDataSchema.optional().catch(undefined),
  client_id: text,
  status: z.string().min(1),
  last_active_organization_id: text,
  last_active_at: epochMs.nullish(),
  expire_at: epochMs.nullish(),
  abandon_at: epochMs.nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

export const invitationDataSchema = z.object({
  id,
  organization_id: text,
  email_address: text,
  user_id: text,
  role: z.string().transform(normaliseRole).nullish(),
  role_name: text,
  status: text,
  expires_at: epochMs.nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

export const domainDataSchema = z.object({
  id,
  organization_id: text,
  name: text,
  enrollment_mode: text,
  verification: z.object({ status: text }).nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

const permissionShape = {
  id,
  key: text,
  name: text,
  description: text,
  type: text,
  created_at: epochMs.nullish(),
  updated_at: epochMs,
};
export const permissionDataSchema = z.object(permissionShape);

export const roleDataSchema = z.object({
  id,
  key: text,
  name: text,
  description: text,
  is_creator_eligible: z.boolean().nullish(),
  permissions: z.array(z.object({ key: z.string() })).nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

export const waitlistEntryDataSchema = z.object({
  id,
  email_address: text,
  status: text,
  is_locked: z.boolean().nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

const payer = z.object({ id: text, user_id: text, organization_id: text }).nullish();

export const subscriptionDataSchema = z.object({
  id,
  status: text,
  payer_id: text,
  payer,
  latest_payment_id: text,
  active_at: epochMs.nullish(),
  canceled_at: epochMs.nullish(),
  ended_at: epochMs.nullish(),
  past_due_at: epochMs.nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

export const subscriptionItemDataSchema = z.object({
  id,
  subscription_id: text,
  status: text,
  plan_id: text,
  plan: z.object({ slug: text, name: text, amount: z.number().nullish(), currency: text }).nullish(),
  interval: text,
  is_free_trial: z.boolean().nullish(),
  period_start: epochMs.nullish(),
  period_end: epochMs.nullish(),
  payer,
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

export const paymentAttemptDataSchema = z.object({
  id,
  payment_id: text,
  status: text,
  charge_type: text,
  payer,
  totals: z.object({ grand_total: z.object({ amount: z.number(), currency: text }).nullish() }).nullish(),
  paid_at: epochMs.nullish(),
  failed_at: epochMs.nullish(),
  failed_reason: z.unknown().optional(),
  billing_date: epochMs.nullish(),
  created_at: epochMs.nullish(),
  updated_at: epochMs,
});

export const emailDataSchema = z.object({
  id,
  user_id: text,
  email_address_id: text,
  to_email_address: text,
  slug: text,
  status: text,
  subject: text,
  body: text,
  body_plain: text,
  delivered_by_clerk: z.boolean().nullish(),
});

export const smsDataSchema = z.object({
  id,
  user_id: text,
  phone_number_id: text,
  to_phone_number: text,
  slug: text,
  status: text,
  message: text,
  delivered_by_clerk: z.boolean().nullish(),
  created_at: epochMs.nullish(),
});

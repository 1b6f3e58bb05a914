import { z } from 'zod';

/**
 * Runtime schemas for the fields the worker reads. Anything else in Clerk's payloads is dropped on
 * parse: we only keep what we store. Optional or nullable fields are the ones legacy payloads omit.
 */

const epochMs = z.number().finite().nonnegative();
const text = z.string().nullish();
const metadata = z.record(z.string(), z.unknown()).nullish();

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
    .array(z.object({ id: z.string(), email_address: z.string() }))
    .nullish()
    .transform((list) => list ?? []),
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
});

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
  public_user_data: z.object({ user_id: z.string().min(1) }),
  created_at: epochMs,
  updated_at: epochMs,
});

const legacyRoles: Record<string, string> = { admin: 'org:admin', basic_member: 'org:member' };

/** Legacy payloads say `admin` or `basic_member`; current ones always use `org:` keys. */
export function normaliseRole(role: string): string {
  if (role.startsWith('org:')) return role;
  return legacyRoles[role] ?? `org:${role}`;
}

export type Envelope = z.infer<typeof envelopeSchema>;
export type UserData = z.infer<typeof userDataSchema>;
export type DeletedObjectData = z.infer<typeof deletedObjectSchema>;
export type OrganizationData = z.infer<typeof organizationDataSchema>;
export type MembershipData = z.infer<typeof membershipDataSchema>;

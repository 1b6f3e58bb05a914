import type { WebhookEventType } from '@clerk/backend';
import type { z } from 'zod';
import {
  deletedObjectSchema,
  membershipDataSchema,
  organizationDataSchema,
  userDataSchema,
} from './schemas.js';

/**
 * The event types the worker turns into rows, and the schema each one's `data` must satisfy.
 * Deletes are listed with `isDelete`, because their version comes from the envelope timestamp.
 */
export const handledEvents = {
  'user.created': { schema: userDataSchema, isDelete: false },
  'user.updated': { schema: userDataSchema, isDelete: false },
  'user.deleted': { schema: deletedObjectSchema, isDelete: true },
  'organization.created': { schema: organizationDataSchema, isDelete: false },
  'organization.updated': { schema: organizationDataSchema, isDelete: false },
  'organization.deleted': { schema: deletedObjectSchema, isDelete: true },
  'organizationMembership.created': { schema: membershipDataSchema, isDelete: false },
  'organizationMembership.updated': { schema: membershipDataSchema, isDelete: false },
  'organizationMembership.deleted': { schema: membershipDataSchema, isDelete: true },
} as const satisfies Partial<Record<WebhookEventType, { schema: z.ZodType; isDelete: boolean }>>;

export type HandledEventType = keyof typeof handledEvents;

/** A validated event of a handled type: `data` holds exactly the fields we store. */
export type HandledEvent = {
  [T in HandledEventType]: { type: T; data: z.infer<(typeof handledEvents)[T]['schema']> };
}[HandledEventType];

export function isHandledEventType(type: string): type is HandledEventType {
  return Object.hasOwn(handledEvents, type);
}

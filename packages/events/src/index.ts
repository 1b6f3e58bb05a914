export { addressHash, addressHashOfValue, type ErasedSubject } from './address-hash.js';
export type { ClerkWebhookEvent, Delivery, RawEvent } from './delivery.js';
export { describeIssues } from './describe-issues.js';
export { type EntityKind, entityKey, entityKindOf, entityKinds } from './entity-key.js';
export { eventVersion, isDeleteEventType } from './event-version.js';
export { DEFAULT_MAX_FUTURE_SKEW_MS, type VersionClock } from './future-version.js';
export {
  type HandledEvent,
  type HandledEventType,
  handledEvents,
  isHandledEventType,
} from './handled-events.js';
export { InvalidEventError } from './invalid-event-error.js';
export { type PreparedEvent, prepareEvent } from './prepare-event.js';
export {
  type DeletedObjectData,
  type MembershipData,
  normaliseRole,
  type OrganizationData,
  type UserData,
} from './schemas.js';
export { type SnapshotKind, snapshotEvent, snapshotTypes } from './snapshot-event.js';
export { toMillis } from './timestamps.js';
export { deleteUnsafeMetadata, withoutUnsafeMetadata } from './unsafe-metadata.js';

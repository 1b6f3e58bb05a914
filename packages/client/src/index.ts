export type { Database, EntityTableName, LiveViewName } from '@clerk-sync/db/types';
export type { Change } from './change.js';
export { type ClerkSyncClient, type ClientOptions, createClient } from './create-client.js';
export {
  EnsureInvalidError,
  EnsureNotConfiguredError,
  type EnsureOptions,
  type EnsureSettings,
  type OrganizationRow,
  type UserRow,
} from './ensurer.js';
export { CHANGES_CHANNEL } from './notification-listener.js';
export {
  type ChangeHandler,
  ChangeHandlerError,
  type SubscribeOptions,
  type Subscription,
} from './subscribe.js';
export { type RowVersion, type WaitForOptions, WaitForTimeoutError } from './wait-for.js';

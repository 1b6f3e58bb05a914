export {
  type ApiStats,
  CLERK_API_RATES,
  ClerkApi,
  ClerkApiError,
  type ClerkApiOptions,
} from './clerk-api.js';
export { fetchInstance, type InstanceInfo, instanceIdFor } from './fetch-instance.js';
export type { Json } from './json.js';
export {
  idPrefixes,
  kindOfId,
  type SyncableKind,
  type SyncEntityOptions,
  type SyncEntityResult,
  syncEntity,
  UnknownEntityKindError,
} from './sync-entity.js';

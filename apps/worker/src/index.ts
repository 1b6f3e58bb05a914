export {
  CLERK_API_RATES,
  ClerkApi,
  ClerkApiError,
  type ClerkApiOptions,
  idPrefixes,
  kindOfId,
  type SyncEntityOptions,
  type SyncEntityResult,
  syncEntity,
  UnknownEntityKindError,
} from '@clerk-sync/backend-api';
export {
  type BackfillOptions,
  type BackfillSummary,
  runBackfill,
  type TypeSummary,
} from './backfill/backfill.js';
export { type ClerkApiEnv, clerkApiEnvKeys, readClerkApiEnv } from './backfill/clerk-env.js';
export { createProgress, type Progress, silentProgress } from './backfill/progress.js';
export {
  type ReconcileOptions,
  ReconcileRefusedError,
  type ReconcileReport,
  reconcile,
  runReconcile,
  type TypeDrift,
} from './backfill/reconcile.js';
export { type ReconcileEnv, reconcileEnv, reconcileEnvKeys } from './backfill/reconcile-env.js';
export type { Refusal } from './backfill/reconcile-guard.js';
export {
  domainsSource,
  invitationsSource,
  membershipsSource,
  organizationsSource,
  permissionsSource,
  rolesSource,
  type Source,
  type SourceName,
  sources,
  usersSource,
  waitlistSource,
} from './backfill/sources.js';
export { Batcher, type BatchReport } from './batcher.js';
export { isTransientError, jobError } from './classify-error.js';
export {
  DEFAULT_BATCH_MAX,
  defaultConcurrency,
  readWorkerEnv,
  type WorkerEnv,
  workerEnvKeys,
} from './env.js';
export { createLogger, type Logger } from './logger.js';
export { startWorker, type WorkerHooks, type WorkerService } from './worker-service.js';

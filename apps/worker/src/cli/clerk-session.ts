import { ClerkApi } from '@clerk-sync/backend-api';
import { type EnvSource, parseEnv, pickEnv } from '@clerk-sync/config';
import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { type ClerkApiEnv, clerkApiEnv } from '../backfill/clerk-env.js';
import { type ReconcileEnv, reconcileEnv } from '../backfill/reconcile-env.js';
import { toWorkerEnv, type WorkerEnv, workerEnv } from '../env.js';
import { prepareSchema } from '../prepare-schema.js';

/**
 * The worker's variables, the Clerk API's and the reconcile's safety settings: what `backfill`,
 * `reconcile` and `sync` read, as one schema.
 */
const clerkSessionEnv = workerEnv.extend(clerkApiEnv.shape).extend(reconcileEnv.shape);

export interface ClerkSession {
  env: WorkerEnv;
  clerk: ClerkApiEnv;
  reconcile: ReconcileEnv;
  database: ClerkDatabase;
  api: ClerkApi;
}

/**
 * Parses the configuration of a command that talks to Clerk: one `ConfigError`, headed by
 * `processName`, names every bad worker or Clerk API variable.
 */
export function readClerkSessionEnv(
  environment: EnvSource,
  processName: string,
): Pick<ClerkSession, 'env' | 'clerk' | 'reconcile'> {
  const parsed = parseEnv(clerkSessionEnv, environment, processName);
  return {
    env: toWorkerEnv(parsed),
    clerk: pickEnv(parsed, clerkApiEnv),
    reconcile: pickEnv(parsed, reconcileEnv),
  };
}

/**
 * What `backfill`, `reconcile` and `sync` need: the configuration (a bad one throws `ConfigError`), a migrated (or, with `MIGRATE_ON_START=false`, checked) database, and a rate-limited Clerk API client.
 */
export async function openClerkSession(
  environment: EnvSource,
  processName: string,
  signal?: AbortSignal,
): Promise<ClerkSession> {
  const { env, clerk, reconcile } = readClerkSessionEnv(environment, processName);
  const database = await openDatabase(env.db);
  try {
    await prepareSchema(database, env);
  } catch (error) {
    await database.close();
    throw error;
  }
  const api = new ClerkApi({
    baseUrl: clerk.CLERK_API_URL,
    secretKey: clerk.CLERK_SECRET_KEY,
    requestsPer10s: clerk.CLERK_API_RATE * clerk.CLERK_API_RATE_SHARE,
    maxTries: clerk.CLERK_API_MAX_TRIES,
    signal,
  });
  return { env, clerk, reconcile, database, api };
}

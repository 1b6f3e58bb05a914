import { type ClerkDatabase, migrateToLatest, openDatabase } from '@clerk-sync/db';
import { ClerkApi } from '../backfill/clerk-api.js';
import { type ClerkApiEnv, readClerkApiEnv } from '../backfill/clerk-env.js';
import { readWorkerEnv, type WorkerEnv } from '../env.js';

export interface ClerkSession {
  env: WorkerEnv;
  clerk: ClerkApiEnv;
  database: ClerkDatabase;
  api: ClerkApi;
}

/**
 * What `backfill` and `reconcile` both need: the configuration (a bad one throws `ConfigError`, which
 * the CLIs print without a stack), a migrated database, and a rate-limited Clerk API client.
 */
export async function openClerkSession(signal?: AbortSignal): Promise<ClerkSession> {
  let env: WorkerEnv;
  let clerk: ClerkApiEnv;
  try {
    env = readWorkerEnv();
    clerk = readClerkApiEnv();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const database = await openDatabase(env.db);
  try {
    await migrateToLatest(database.db, env.db.schema);
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
  return { env, clerk, database, api };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

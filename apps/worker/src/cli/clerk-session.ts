import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { ClerkApi } from '../backfill/clerk-api.js';
import { type ClerkApiEnv, readClerkApiEnv } from '../backfill/clerk-env.js';
import { readWorkerEnv, type WorkerEnv } from '../env.js';
import { prepareSchema } from '../prepare-schema.js';
import { config } from './run-cli.js';

export interface ClerkSession {
  env: WorkerEnv;
  clerk: ClerkApiEnv;
  database: ClerkDatabase;
  api: ClerkApi;
}

/**
 * What `backfill` and `reconcile` both need: the configuration (a bad one throws `ConfigError`), a migrated (or, with `MIGRATE_ON_START=false`, checked) database, and a rate-limited Clerk API client.
 */
export async function openClerkSession(signal?: AbortSignal): Promise<ClerkSession> {
  const env = config(() => readWorkerEnv());
  const clerk = config(() => readClerkApiEnv());
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
  return { env, clerk, database, api };
}

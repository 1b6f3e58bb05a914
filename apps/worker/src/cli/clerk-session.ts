import { ClerkApi, fetchInstance } from '@clerk-sync/backend-api';
import {
  ConfigError,
  type EnvSource,
  instanceVar,
  parseEnv,
  pickEnv,
  readInstanceVars,
} from '@clerk-sync/config';
import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { type ClerkApiEnv, clerkApiEnv } from '../backfill/clerk-env.js';
import { type ReconcileEnv, reconcileEnv } from '../backfill/reconcile-env.js';
import {
  refineWorkerEnv,
  requireDatabaseInProduction,
  toWorkerEnv,
  type WorkerEnv,
  type WorkerInstance,
  workerEnv,
} from '../env.js';
import { checkSharedSchemas, prepareSchema } from '../prepare-schema.js';
import { UsageError } from './command.js';

/**
 * The worker's variables, the Clerk API's and the reconcile's safety settings: what `backfill`,
 * `reconcile` and `sync` read, as one schema. The secret key is read per instance (see
 * {@link readClerkSessionEnv}).
 */
const clerkSessionEnv = workerEnv
  .extend(clerkApiEnv.omit({ CLERK_SECRET_KEY: true }).shape)
  .extend(reconcileEnv.shape)
  .superRefine(refineWorkerEnv);

/** The instance a command works on: its rows, its schema, its key. */
export interface SessionInstance {
  name: string;
  /** `ins_…` as Clerk reports it for the key (or as configured, if the key may not read it). */
  id: string | null;
  /** The id comes from the configuration (and the key was proven to belong to it). */
  configured: boolean;
  schema: string;
}

export interface ClerkSession {
  env: WorkerEnv;
  clerk: ClerkApiEnv;
  reconcile: ReconcileEnv;
  /** Opened in the instance's schema. */
  database: ClerkDatabase;
  api: ClerkApi;
  instance: SessionInstance;
}

const KEY_HINT = 'the secret key (sk_live_… or sk_test_…) from the Clerk dashboard, API keys';

/**
 * Parses the configuration of a command that talks to Clerk: one `ConfigError`, headed by
 * `processName`, names every bad worker or Clerk API variable. With several instances configured
 * (`CLERK_INSTANCES`), `instanceName` (`--instance`) picks one, and its key is `CLERK_SECRET_KEY_<NAME>`.
 */
export function readClerkSessionEnv(
  environment: EnvSource,
  processName: string,
  instanceName?: string,
): Pick<ClerkSession, 'env' | 'clerk' | 'reconcile'> & { instance: WorkerInstance } {
  const parsed = parseEnv(clerkSessionEnv, environment, processName);
  const env = toWorkerEnv(parsed);
  requireDatabaseInProduction(env, processName);
  const instance = pickInstance(env, instanceName);
  const keyName = instanceVar('CLERK_SECRET_KEY', instance, env.instances.named);
  const keys = readInstanceVars(environment, env.instances, 'CLERK_SECRET_KEY', (raw) => raw, {
    processName,
    required: false,
  });
  const secretKey = keys.get(instance.name);
  if (secretKey === undefined) {
    throw new ConfigError(processName, [{ key: keyName, problem: `is required: ${KEY_HINT}` }]);
  }
  return {
    env,
    clerk: { CLERK_SECRET_KEY: secretKey, ...pickEnv(parsed, clerkApiEnv.omit({ CLERK_SECRET_KEY: true })) },
    reconcile: pickEnv(parsed, reconcileEnv),
    instance,
  };
}

/** The instance `--instance` names, or the only one configured; a `UsageError` otherwise. */
export function pickInstance(env: WorkerEnv, name: string | undefined): WorkerInstance {
  const { instances } = env.instances;
  const names = instances.map((i) => i.name).join(', ');
  if (name === undefined) {
    const [only, ...more] = instances;
    if (only && more.length === 0) return only;
    throw new UsageError(`several Clerk instances are configured (${names}): pass --instance <name>`);
  }
  const found = instances.find((i) => i.name === name);
  if (found) return found;
  throw new UsageError(
    env.instances.named
      ? `--instance: no instance ${JSON.stringify(name)} in CLERK_INSTANCES (${names})`
      : `--instance: CLERK_INSTANCES is not set; the one instance is called ${names}`,
  );
}

/**
 * What `backfill`, `reconcile` and `sync` need: the configuration (a bad one throws `ConfigError`),
 * the instance's schema migrated (or, with `MIGRATE_ON_START=false`, checked), and a rate-limited
 * Clerk API client whose key is proven to belong to the instance: `GET /v1/instance` must answer the
 * configured id, or nothing is read or written.
 */
export async function openClerkSession(
  environment: EnvSource,
  processName: string,
  options: { signal?: AbortSignal; instance?: string } = {},
): Promise<ClerkSession> {
  const { env, clerk, reconcile, instance } = readClerkSessionEnv(environment, processName, options.instance);
  const database = await openDatabase({ ...env.db, schema: instance.schema });
  try {
    await prepareSchema(database, env, instance.schema);
    const api = new ClerkApi({
      baseUrl: clerk.CLERK_API_URL,
      secretKey: clerk.CLERK_SECRET_KEY,
      requestsPer10s: clerk.CLERK_API_RATE * clerk.CLERK_API_RATE_SHARE,
      maxTries: clerk.CLERK_API_MAX_TRIES,
      signal: options.signal,
    });
    const reported = await fetchInstance(api);
    if (instance.id !== undefined && reported?.id !== instance.id) {
      const key = instanceVar('CLERK_SECRET_KEY', instance, env.instances.named);
      const problem = reported
        ? `belongs to Clerk instance ${reported.id}, but instance ${instance.name} is configured as ${instance.id}`
        : `could not be confirmed as a key of ${instance.id} (instance ${instance.name}): GET /v1/instance gave no id`;
      throw new ConfigError(processName, [{ key, problem: `${problem}; nothing was read or written` }]);
    }
    await checkSharedSchemas(database, env.instances.instances);
    const id = reported?.id ?? instance.id ?? null;
    return {
      env,
      clerk,
      reconcile,
      database,
      api,
      instance: { name: instance.name, id, configured: instance.id !== undefined, schema: instance.schema },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

import type { ClerkApi, syncEntity } from '@clerk-sync/backend-api';
import type { ClerkDatabase, PrivacyOptions } from '@clerk-sync/db';
import type { Database } from '@clerk-sync/db/types';
import type { Kysely, Selectable } from 'kysely';

/** What `ensureUser` / `ensureOrganization` need: Clerk's Backend API and a role that may write. */
export interface EnsureSettings {
  /** The instance's secret key (`sk_live_…`), the same one the worker's backfill uses. */
  secretKey: string;
  /** @defaultValue 'https://api.clerk.com' */
  apiUrl?: string;
  /**
   * Where the fetched row is written: a role that may write the schema (the worker's writer role, not
   * the read-only one). @defaultValue the client's databaseUrl
   */
  writeUrl?: string;
  /** Requests per 10 s these calls may send to Clerk, out of the instance's limit. @defaultValue 100 */
  requestsPer10s?: number;
  /**
   * What may be stored, as the worker's `STORE_*` and `USER_DELETION` settings say: give the same
   * values, or a row written here keeps what the worker would have left out. @defaultValue the worker's defaults
   */
  privacy?: Partial<PrivacyOptions>;
  /**
   * The Clerk instance (`ins_…`) whose rows this app reads, when several share the schema: a key that
   * Clerk says belongs to another instance is refused (`EnsureNotConfiguredError`) before anything is
   * written. @defaultValue the instance the key belongs to
   */
  instanceId?: string;
}

export interface EnsureOptions {
  /** Stops waiting (the shared fetch for other callers goes on). */
  signal?: AbortSignal;
}

export type UserRow = Selectable<Database['users_live']>;
export type OrganizationRow = Selectable<Database['organizations_live']>;

export interface Ensurer {
  ensureUser(id: string, options?: EnsureOptions): Promise<UserRow | null>;
  ensureOrganization(id: string, options?: EnsureOptions): Promise<OrganizationRow | null>;
  close(): Promise<void>;
}

/** `ensureUser` or `ensureOrganization` was called on a client created without the `clerk` option. */
export class EnsureNotConfiguredError extends Error {
  override readonly name = 'EnsureNotConfiguredError';
}

/** Clerk answered with an object that does not validate; nothing was written. */
export class EnsureInvalidError extends Error {
  override readonly name = 'EnsureInvalidError';
}

type Table = 'users' | 'organizations';
type RowOf<T extends Table> = T extends 'users' ? UserRow : OrganizationRow;
const kinds = { users: 'user', organizations: 'organization' } as const;

interface Writer {
  database: ClerkDatabase;
  sync: typeof syncEntity;
  api: ClerkApi;
  privacy: PrivacyOptions;
  /** The instance the key belongs to, asked once (`GET /v1/instance`); rows are written as its. */
  instanceId: string | null;
}

interface EnsurerConfig {
  db: Kysely<Database>;
  schema: string;
  databaseUrl: string;
  settings: EnsureSettings | undefined;
  /** Aborted when the client closes. */
  closed: AbortSignal;
}

/**
 * Read-your-writes right after sign-up: the live row when there is one; for a missing id, one
 * object fetched from Clerk and written through the same version guards as `clerk-sync sync`. A
 * tombstone (deleted, or removed with `USER_DELETION=hard`) answers null without asking Clerk, and a
 * 404 answers null and writes nothing. Concurrent calls for one id share one fetch. The writer
 * (Backend API client, write pool, `@clerk-sync/db`) is loaded on the first miss only.
 */
export function createEnsurer(config: EnsurerConfig): Ensurer {
  const inFlight = new Map<string, Promise<unknown>>();
  let writer: Promise<Writer> | undefined;
  const writerFor = (settings: EnsureSettings) => {
    // A call that passed the check before close() must not open a pool that nothing closes.
    if (config.closed.aborted) return Promise.reject(new Error('the client is closed'));
    writer ??= openWriter(config, settings).catch((error: unknown) => {
      writer = undefined; // a later call tries again
      throw error;
    });
    return writer;
  };

  const ensure = async <T extends Table>(table: T, id: string, options: EnsureOptions = {}) => {
    const settings = config.settings;
    if (!settings) {
      throw new EnsureNotConfiguredError(
        `ensure${table === 'users' ? 'User' : 'Organization'} needs Clerk's Backend API: pass clerk: { secretKey } to createClient`,
      );
    }
    if (config.closed.aborted) throw new Error('the client is closed');
    const found = await readState(config.db, table, id);
    if (found !== 'missing') return found as RowOf<T> | null;
    const key = `${table}:${id}`;
    let shared = inFlight.get(key);
    if (!shared) {
      // Registered before the first await, so a concurrent call for the same id joins this one.
      shared = writerFor(settings)
        .then((opened) => fetchAndWrite(opened, table, id))
        .finally(() => inFlight.delete(key));
      inFlight.set(key, shared);
    }
    return (await abortable(shared, options.signal)) as RowOf<T> | null;
  };

  return {
    ensureUser: (id, options) => ensure('users', id, options),
    ensureOrganization: (id, options) => ensure('organizations', id, options),
    async close() {
      const opened = writer;
      writer = undefined;
      if (opened) await (await opened.catch(() => undefined))?.database.close();
    },
  };
}

/** The live row, null for a tombstone (soft or hard), or 'missing'. */
async function readState(
  db: Kysely<Database>,
  table: Table,
  id: string,
): Promise<UserRow | OrganizationRow | null | 'missing'> {
  const row = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
  if (row) return row.deleted_at === null ? row : null;
  const tombstone = await db
    .selectFrom('tombstones')
    .select('id')
    .where('entity', '=', table)
    .where('id', '=', id)
    .executeTakeFirst();
  return tombstone ? null : 'missing';
}

async function fetchAndWrite(
  writer: Writer,
  table: Table,
  id: string,
): Promise<UserRow | OrganizationRow | null> {
  const result = await writer.sync(id, {
    db: writer.database.db,
    api: writer.api,
    kind: kinds[table],
    privacy: writer.privacy,
    instanceId: writer.instanceId,
  });
  if (result.status === 'not_found') return null;
  if (result.status === 'invalid') {
    throw new EnsureInvalidError(`Clerk's ${kinds[table]} ${id} failed validation: ${result.reason}`);
  }
  // Read back through the writer: a read replica or pooler behind databaseUrl may not have it yet.
  const state = await readState(writer.database.db, table, id);
  return state === 'missing' ? null : state;
}

async function openWriter(config: EnsurerConfig, settings: EnsureSettings): Promise<Writer> {
  const databaseUrl = settings.writeUrl ?? config.databaseUrl;
  if (!databaseUrl) throw new EnsureNotConfiguredError('ensure needs a database URL to write to');
  const [backendApi, db] = await Promise.all([import('@clerk-sync/backend-api'), import('@clerk-sync/db')]);
  const database = await db.openDatabase({ databaseUrl, schema: config.schema, pgliteDir: '', poolSize: 2 });
  const api = new backendApi.ClerkApi({
    baseUrl: settings.apiUrl ?? 'https://api.clerk.com',
    secretKey: settings.secretKey,
    requestsPer10s: settings.requestsPer10s ?? 100,
    maxTries: 3,
    signal: config.closed,
  });
  const privacy = { ...db.defaultPrivacy, ...settings.privacy };
  try {
    const instance = await backendApi.fetchInstance(api);
    if (settings.instanceId !== undefined && instance?.id !== settings.instanceId) {
      throw new EnsureNotConfiguredError(
        instance
          ? `ensure: the secret key belongs to Clerk instance ${instance.id}, not ${settings.instanceId}`
          : `ensure: Clerk did not confirm that the secret key belongs to ${settings.instanceId} (GET /v1/instance)`,
      );
    }
    const instanceId = instance?.id ?? settings.instanceId ?? null;
    return { database, sync: backendApi.syncEntity, api, privacy, instanceId };
  } catch (error) {
    await database.close();
    throw error;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

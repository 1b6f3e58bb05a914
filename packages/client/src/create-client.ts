import type { Database, EntityTableName } from '@clerk-sync/db/types';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  createEnsurer,
  type EnsureOptions,
  type EnsureSettings,
  type OrganizationRow,
  type UserRow,
} from './ensurer.js';
import { type NotificationListener, notificationListener } from './notification-listener.js';
import { type ChangeHandler, type SubscribeOptions, type Subscription, subscribe } from './subscribe.js';
import { type RowVersion, type WaitForOptions, waitFor } from './wait-for.js';

export interface ClientOptions {
  /** Postgres URL for reads: a direct connection or a pooler (transaction mode works). */
  databaseUrl: string;
  /** The synced schema (`DB_SCHEMA` of the worker). @defaultValue 'clerk' */
  schema?: string;
  /** Connections in the read pool. @defaultValue 5 */
  poolSize?: number;
  /**
   * Where to `LISTEN clerk_changes`, which makes the feed immediate; `false` to only poll. LISTEN
   * needs a session: through a transaction pooler it silently receives nothing, so give the direct
   * URL here, or `false`. Polling works either way. @defaultValue databaseUrl
   */
  listen?: string | false;
  /**
   * Clerk's Backend API, for {@link ClerkSyncClient.ensureUser} and
   * {@link ClerkSyncClient.ensureOrganization}; without it they throw `EnsureNotConfiguredError`.
   */
  clerk?: EnsureSettings;
}

/** The synced copy, as your app reads it. */
export interface ClerkSyncClient {
  /** Kysely on the schema, typed from the table definitions: tables, `<table>_live` views, `changes`. */
  db: Kysely<Database>;
  schema: string;
  /** See {@link subscribe}. */
  subscribe(options: SubscribeOptions, handler: ChangeHandler): Subscription;
  /** See {@link waitFor}. */
  waitFor(entity: EntityTableName, id: string, options: WaitForOptions): Promise<RowVersion>;
  /**
   * The user's live row. When the copy has no row for the id yet (a webhook still on its way right
   * after sign-up), fetches it from Clerk and writes it through the same version guards as
   * `clerk-sync sync`, then returns it. Null for a deleted user (a tombstone; Clerk is not asked)
   * and for an id Clerk does not know (nothing is written). Needs the `clerk` option.
   */
  ensureUser(id: string, options?: EnsureOptions): Promise<UserRow | null>;
  /** As {@link ClerkSyncClient.ensureUser}, for an organization. */
  ensureOrganization(id: string, options?: EnsureOptions): Promise<OrganizationRow | null>;
  /** Stops every subscription, the LISTEN connection and the pool. Safe to call twice. */
  close(): Promise<void>;
}

const INT8_OID = 20;

/** Versions and seqs are epoch milliseconds and counters: they fit a JS number, so read int8 as one. */
function getTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format);
}

/**
 * Opens a read client on the synced copy. It needs only `SELECT` on the schema (see the reader role in
 * docs/postgres.md) and no Redis.
 *
 * @example
 * const clerk = createClient({ databaseUrl: process.env.DATABASE_URL ?? '' });
 * const users = await clerk.db.selectFrom('users_live').select(['id', 'email']).execute();
 * clerk.subscribe({ from: 0 }, (change) => console.log(change.seq, change.entity, change.entityId, change.op));
 */
export function createClient(options: ClientOptions): ClerkSyncClient {
  const schema = options.schema ?? 'clerk';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 5,
    types: { getTypeParser } as pg.CustomTypesConfig,
  });
  pool.on('error', () => {});
  const base = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const db = base.withSchema(schema);
  const listenUrl = options.listen === undefined ? options.databaseUrl : options.listen;
  let listener: NotificationListener | undefined;
  const listenerFor = () => {
    if (listenUrl === false) return undefined;
    listener ??= notificationListener(listenUrl, schema);
    return listener;
  };
  const subscriptions = new Set<Subscription>();
  const closed = new AbortController();
  let closing: Promise<void> | undefined;
  const ensurer = createEnsurer({
    db,
    schema,
    databaseUrl: options.databaseUrl,
    settings: options.clerk,
    closed: closed.signal,
  });

  return {
    db,
    schema,
    subscribe(subscribeOptions, handler) {
      if (closing) throw new Error('the client is closed');
      const subscription = subscribe(db, listenerFor(), subscribeOptions, handler);
      subscriptions.add(subscription);
      void subscription.done.catch(() => {}).finally(() => subscriptions.delete(subscription));
      return subscription;
    },
    waitFor(entity, id, waitOptions) {
      if (closing) return Promise.reject(new Error('the client is closed'));
      const signal = waitOptions.signal
        ? AbortSignal.any([waitOptions.signal, closed.signal])
        : closed.signal;
      return waitFor(db, listenerFor(), schema, entity, id, { ...waitOptions, signal });
    },
    ensureUser: (id, ensureOptions) => ensurer.ensureUser(id, ensureOptions),
    ensureOrganization: (id, ensureOptions) => ensurer.ensureOrganization(id, ensureOptions),
    close() {
      closing ??= (async () => {
        closed.abort(new Error('the client is closed'));
        await Promise.all([...subscriptions].map((s) => s.close()));
        await listener?.close();
        await ensurer.close();
        await base.destroy();
      })();
      return closing;
    },
  };
}

import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';

/** A Clerk instance as `GET /v1/instance` describes it. */
export interface ClerkInstance {
  id: string;
  /** `production` or `development`, as Clerk reports it. */
  environmentType: string;
}

/** The instance this copy was recorded as belonging to, if a reconcile has recorded one. */
export async function readInstanceBinding(
  db: Kysely<Database> | Transaction<Database>,
): Promise<ClerkInstance | undefined> {
  const row = await db
    .selectFrom('clerk_instance')
    .select(['instance_id', 'environment_type'])
    .executeTakeFirst();
  return row && { id: row.instance_id, environmentType: row.environment_type };
}

/**
 * Records `instance` as the one this copy belongs to, unless one is recorded already (the first
 * recording wins; a different one is never written over it). Resolves with the recorded instance.
 */
export async function recordInstanceBinding(
  db: Kysely<Database> | Transaction<Database>,
  instance: ClerkInstance,
): Promise<ClerkInstance> {
  await db
    .insertInto('clerk_instance')
    .values({ instance_id: instance.id, environment_type: instance.environmentType })
    .onConflict((oc) => oc.column('singleton').doNothing())
    .execute();
  return (await readInstanceBinding(db)) ?? instance;
}

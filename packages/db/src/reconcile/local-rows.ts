import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { EntityTable } from '../schema/entity-table.js';
import type { EntityTableName } from '../tables/entity-tables.js';

/** What a reconcile needs to know of a local row to compare it with Clerk. */
export interface LocalRow {
  version: number;
  /** Tombstoned here: reported, never revived. */
  deleted: boolean;
  /** For tables with an `organization_id` (memberships, invitations, domains): where to ask Clerk whether it is gone. */
  organizationId: string | null;
  /** The row records no instance (written before instances were recorded). */
  unowned: boolean;
}

/**
 * Every row of `table`, tombstones included, by id. Given an instance, only that instance's rows and
 * rows that record none: another instance's rows are not this reconcile's to judge.
 */
export async function readLocalRows(
  db: Kysely<Database> | Transaction<Database>,
  table: EntityTable & { name: EntityTableName },
  instanceId?: string | null,
): Promise<Map<string, LocalRow>> {
  const rows = await db
    .selectFrom(table.name)
    .select(['id', 'version', 'deleted_at', 'instance_id'])
    .$if('organization_id' in table.columns, (qb) => qb.select('organization_id'))
    .$if(instanceId != null, (qb) =>
      qb.where((eb) => eb.or([eb('instance_id', '=', instanceId ?? ''), eb('instance_id', 'is', null)])),
    )
    .execute();
  const local = new Map<string, LocalRow>();
  for (const r of rows) {
    local.set(r.id, {
      version: Number(r.version),
      deleted: r.deleted_at !== null,
      organizationId: r.organization_id ?? null,
      unowned: r.instance_id === null,
    });
  }
  return local;
}

/** Where Clerk keeps a membership: its organization and user, from the local row, if there is one. */
export async function readMembershipKeys(
  db: Kysely<Database> | Transaction<Database>,
  id: string,
): Promise<{ organizationId: string | null; userId: string | null } | undefined> {
  const row = await db
    .selectFrom('organization_memberships')
    .select(['organization_id', 'user_id'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { organizationId: row.organization_id, userId: row.user_id };
}

/** The organization a local invitation or domain belongs to, if the row exists and names one. */
export async function readOrganizationOf(
  db: Kysely<Database> | Transaction<Database>,
  table: 'organization_invitations' | 'organization_domains',
  id: string,
): Promise<string | null> {
  const row = await db.selectFrom(table).select('organization_id').where('id', '=', id).executeTakeFirst();
  return row?.organization_id ?? null;
}

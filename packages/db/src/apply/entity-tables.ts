/** Postgres types used when rows travel as one `jsonb` parameter through `jsonb_to_recordset`. */
export type ColumnType = 'text' | 'text[]' | 'timestamptz' | 'boolean' | 'jsonb' | 'bigint';

/**
 * How a synced table is written. Every table also has `id text`, `version bigint` and `deleted_at`.
 * - `immutable`: facts that never change for an entity (when it was created, which org a membership
 *   is in). They are kept on tombstones and filled in by any event that carries them, even a stale one,
 *   so the final row does not depend on arrival order.
 * - `personal`: nulled on delete (right to erasure); tombstones keep identity and immutable facts only.
 */
export interface EntityTable {
  name: 'users' | 'organizations' | 'organization_memberships';
  columns: Readonly<Record<string, ColumnType>>;
  immutable: readonly string[];
  personal: readonly string[];
}

export const userTable = {
  name: 'users',
  columns: {
    email: 'text',
    first_name: 'text',
    last_name: 'text',
    username: 'text',
    image_url: 'text',
    external_id: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    last_sign_in_at: 'timestamptz',
    last_active_at: 'timestamptz',
    banned: 'boolean',
    locked: 'boolean',
    public_metadata: 'jsonb',
  },
  immutable: ['created_at'],
  personal: ['email', 'first_name', 'last_name', 'username', 'image_url', 'public_metadata'],
} as const satisfies EntityTable;

export const organizationTable = {
  name: 'organizations',
  columns: {
    name: 'text',
    slug: 'text',
    image_url: 'text',
    created_by: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    public_metadata: 'jsonb',
  },
  immutable: ['created_at', 'created_by'],
  personal: [],
} as const satisfies EntityTable;

export const membershipTable = {
  name: 'organization_memberships',
  columns: {
    organization_id: 'text',
    user_id: 'text',
    role: 'text',
    role_name: 'text',
    permissions: 'text[]',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  immutable: ['created_at', 'organization_id', 'user_id'],
  personal: [],
} as const satisfies EntityTable;

/** Fixed order in which tables are written, so concurrent batches take row locks in the same order. */
export const entityTables: readonly EntityTable[] = [userTable, organizationTable, membershipTable];

/** Column values of one row, keyed by column name; timestamps as ISO strings. */
export type RowValues<T extends EntityTable> = { [C in keyof T['columns']]?: unknown };

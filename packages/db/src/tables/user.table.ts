import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/**
 * A Clerk user. `email` is the primary address, resolved from `primary_email_address_id`. The last
 * four columns are opt-in (`STORE_*`) and stay NULL otherwise. Personal columns are nulled when the
 * user is deleted.
 */
export const userTable = {
  name: 'users',
  columns: {
    email: 'text',
    first_name: 'text',
    last_name: 'text',
    username: 'text',
    image_url: 'text',
    external_id: 'text',
    ...timestampColumns,
    last_sign_in_at: 'timestamptz',
    last_active_at: 'timestamptz',
    banned: 'boolean',
    locked: 'boolean',
    public_metadata: 'jsonb',
    phone_number: 'text',
    private_metadata: 'jsonb',
    external_accounts: 'jsonb',
    web3_wallets: 'jsonb',
  },
  immutable: ['created_at'],
  personal: [
    'email',
    'first_name',
    'last_name',
    'username',
    'image_url',
    'public_metadata',
    'phone_number',
    'private_metadata',
    'external_accounts',
    'web3_wallets',
  ],
  keptOnDelete: ['external_id'],
} as const satisfies EntityTable;

/** Kysely's view of `users`, derived from {@link userTable}. */
export type UserTable = RowOf<EntityRelation<typeof userTable>>;

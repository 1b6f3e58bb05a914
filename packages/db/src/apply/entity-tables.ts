/** Postgres types used when rows travel as one `jsonb` parameter through `jsonb_to_recordset`. */
export type ColumnType = 'text' | 'text[]' | 'timestamptz' | 'boolean' | 'jsonb' | 'bigint';

/**
 * How a synced table is written. Every table also has `id text`, `version bigint`, `deleted_at` and
 * `last_event_id`.
 * - `immutable`: facts that never change for an entity (when it was created, which org a membership
 *   is in). They are kept on tombstones and filled in by any event that carries them, even a stale one,
 *   so the final row does not depend on arrival order.
 * - `personal`: nulled on delete (right to erasure); tombstones keep identity and immutable facts only.
 */
export interface EntityTable {
  name: EntityTableName;
  columns: Readonly<Record<string, ColumnType>>;
  immutable: readonly string[];
  personal: readonly string[];
}

export type EntityTableName =
  | 'users'
  | 'organizations'
  | 'organization_memberships'
  | 'organization_invitations'
  | 'organization_domains'
  | 'sessions'
  | 'roles'
  | 'permissions'
  | 'waitlist_entries'
  | 'subscriptions'
  | 'subscription_items'
  | 'payment_attempts';

const stamps = { created_at: 'timestamptz', updated_at: 'timestamptz' } as const;

export const userTable = {
  name: 'users',
  columns: {
    email: 'text',
    first_name: 'text',
    last_name: 'text',
    username: 'text',
    image_url: 'text',
    external_id: 'text',
    ...stamps,
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
} as const satisfies EntityTable;

export const organizationTable = {
  name: 'organizations',
  columns: {
    name: 'text',
    slug: 'text',
    image_url: 'text',
    created_by: 'text',
    ...stamps,
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
    ...stamps,
  },
  immutable: ['created_at', 'organization_id', 'user_id'],
  personal: [],
} as const satisfies EntityTable;

export const invitationTable = {
  name: 'organization_invitations',
  columns: {
    organization_id: 'text',
    email_address: 'text',
    user_id: 'text',
    role: 'text',
    role_name: 'text',
    status: 'text',
    expires_at: 'timestamptz',
    ...stamps,
  },
  immutable: ['created_at', 'organization_id'],
  personal: ['email_address'],
} as const satisfies EntityTable;

export const domainTable = {
  name: 'organization_domains',
  columns: {
    organization_id: 'text',
    name: 'text',
    enrollment_mode: 'text',
    verification_status: 'text',
    ...stamps,
  },
  immutable: ['created_at', 'organization_id'],
  personal: [],
} as const satisfies EntityTable;

export const sessionTable = {
  name: 'sessions',
  columns: {
    user_id: 'text',
    client_id: 'text',
    status: 'text',
    last_active_organization_id: 'text',
    last_active_at: 'timestamptz',
    expire_at: 'timestamptz',
    abandon_at: 'timestamptz',
    ...stamps,
  },
  immutable: ['created_at', 'user_id', 'client_id'],
  personal: [],
} as const satisfies EntityTable;

export const roleTable = {
  name: 'roles',
  columns: {
    key: 'text',
    name: 'text',
    description: 'text',
    is_creator_eligible: 'boolean',
    permissions: 'text[]',
    ...stamps,
  },
  immutable: ['created_at'],
  personal: [],
} as const satisfies EntityTable;

export const permissionTable = {
  name: 'permissions',
  columns: { key: 'text', name: 'text', description: 'text', type: 'text', ...stamps },
  immutable: ['created_at'],
  personal: [],
} as const satisfies EntityTable;

export const waitlistEntryTable = {
  name: 'waitlist_entries',
  columns: { email_address: 'text', status: 'text', is_locked: 'boolean', ...stamps },
  immutable: ['created_at'],
  personal: ['email_address'],
} as const satisfies EntityTable;

export const subscriptionTable = {
  name: 'subscriptions',
  columns: {
    status: 'text',
    payer_id: 'text',
    user_id: 'text',
    organization_id: 'text',
    latest_payment_id: 'text',
    active_at: 'timestamptz',
    canceled_at: 'timestamptz',
    ended_at: 'timestamptz',
    past_due_at: 'timestamptz',
    ...stamps,
  },
  immutable: ['created_at'],
  personal: [],
} as const satisfies EntityTable;

export const subscriptionItemTable = {
  name: 'subscription_items',
  columns: {
    subscription_id: 'text',
    status: 'text',
    plan_id: 'text',
    plan_slug: 'text',
    plan_name: 'text',
    amount: 'bigint',
    currency: 'text',
    interval: 'text',
    is_free_trial: 'boolean',
    user_id: 'text',
    period_start: 'timestamptz',
    period_end: 'timestamptz',
    ...stamps,
  },
  immutable: ['created_at'],
  personal: [],
} as const satisfies EntityTable;

export const paymentAttemptTable = {
  name: 'payment_attempts',
  columns: {
    payment_id: 'text',
    status: 'text',
    charge_type: 'text',
    user_id: 'text',
    amount: 'bigint',
    currency: 'text',
    paid_at: 'timestamptz',
    failed_at: 'timestamptz',
    billing_date: 'timestamptz',
    ...stamps,
  },
  immutable: ['created_at'],
  personal: [],
} as const satisfies EntityTable;

/** Fixed order in which tables are written, so concurrent batches take row locks in the same order. */
export const entityTables: readonly EntityTable[] = [
  userTable,
  organizationTable,
  membershipTable,
  invitationTable,
  domainTable,
  sessionTable,
  roleTable,
  permissionTable,
  waitlistEntryTable,
  subscriptionTable,
  subscriptionItemTable,
  paymentAttemptTable,
];

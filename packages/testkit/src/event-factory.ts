/** Builds Clerk-shaped webhook envelopes for tests, the simulator and benchmarks. */

export type SyncedKind = 'user' | 'organization' | 'organization_membership';
export type Action = 'created' | 'updated' | 'deleted';

export interface FactoryEntity {
  kind: SyncedKind;
  id: string;
  /** ms; fixed for the entity's life. */
  createdAt: number;
  /** For memberships. */
  userId?: string;
  organizationId?: string;
}

export interface ClerkEnvelope {
  type: string;
  object: 'event';
  instance_id: string;
  timestamp: number;
  event_attributes: { http_request: { client_ip: string; user_agent: string } };
  data: Record<string, unknown>;
}

/**
 * The instance of Clerk's own webhook examples: factory events, example payloads and the fake Clerk
 * (`GET /v1/instance`) all belong to it, as one real instance's events and API do.
 */
export const TEST_INSTANCE_ID = 'ins_2g7np7Hrk0SN6kj5EDMLDaKNL0S';

const typePrefix: Record<SyncedKind, string> = {
  user: 'user',
  organization: 'organization',
  organization_membership: 'organizationMembership',
};

/**
 * A webhook envelope for `entity` at `version` (ms; `updated_at` for upserts, the envelope timestamp
 * for deletes). Content is derived from the version, so two versions differ and one version is stable.
 */
export function makeEvent(entity: FactoryEntity, action: Action, version: number): ClerkEnvelope {
  return {
    type: `${typePrefix[entity.kind]}.${action}`,
    object: 'event',
    instance_id: TEST_INSTANCE_ID,
    timestamp: version,
    event_attributes: { http_request: { client_ip: '127.0.0.1', user_agent: 'clerk-sync-tests' } },
    data: action === 'deleted' ? deletedData(entity) : clerkObject(entity, version),
  };
}

function deletedData(entity: FactoryEntity): Record<string, unknown> {
  if (entity.kind === 'organization_membership') return { ...membershipData(entity, entity.createdAt) };
  return { object: entity.kind, id: entity.id, deleted: true };
}

/** The object as Clerk's webhooks and Backend API both render it, at `version` (its `updated_at`). */
export function clerkObject(entity: FactoryEntity, version: number): Record<string, unknown> {
  if (entity.kind === 'user') return userData(entity, version);
  if (entity.kind === 'organization') return organizationData(entity, version);
  return membershipData(entity, version);
}

function userData(entity: FactoryEntity, version: number): Record<string, unknown> {
  const emailId = `idn_${entity.id}`;
  return {
    object: 'user',
    id: entity.id,
    external_id: null,
    primary_email_address_id: emailId,
    primary_phone_number_id: null,
    username: `u${version % 1000}`,
    first_name: `First ${version}`,
    last_name: `Last ${entity.id}`,
    image_url: `https://img.clerk.test/${entity.id}`,
    has_image: true,
    public_metadata: { plan: version % 2 === 0 ? 'pro' : 'free' },
    private_metadata: { secret: 'never-stored' },
    unsafe_metadata: {},
    email_addresses: [
      {
        id: emailId,
        object: 'email_address',
        email_address: `${entity.id}.${version}@example.test`,
        verification: { status: 'verified', strategy: 'email_code' },
        linked_to: [],
      },
    ],
    phone_numbers: [],
    web3_wallets: [],
    external_accounts: [],
    password_enabled: true,
    two_factor_enabled: false,
    banned: false,
    locked: false,
    last_sign_in_at: version,
    last_active_at: version,
    created_at: entity.createdAt,
    updated_at: version,
  };
}

function organizationData(entity: FactoryEntity, version: number): Record<string, unknown> {
  return {
    object: 'organization',
    id: entity.id,
    name: `Org ${entity.id} v${version}`,
    slug: `org-${entity.id.toLowerCase()}`,
    image_url: `https://img.clerk.test/${entity.id}`,
    has_image: false,
    members_count: 1,
    max_allowed_memberships: 5,
    admin_delete_enabled: true,
    public_metadata: {},
    private_metadata: {},
    created_by: 'user_creator',
    created_at: entity.createdAt,
    updated_at: version,
  };
}

function membershipData(entity: FactoryEntity, version: number): Record<string, unknown> {
  return {
    object: 'organization_membership',
    id: entity.id,
    role: version % 2 === 0 ? 'org:admin' : 'org:member',
    role_name: version % 2 === 0 ? 'Admin' : 'Member',
    permissions: ['org:sys_profile:read'],
    public_metadata: {},
    private_metadata: {},
    organization: {
      object: 'organization',
      id: entity.organizationId ?? 'org_unknown',
      name: 'Org',
      slug: 'org',
      created_at: entity.createdAt,
      updated_at: entity.createdAt,
    },
    public_user_data: {
      user_id: entity.userId ?? 'user_unknown',
      first_name: 'Jane',
      last_name: 'Doe',
      identifier: 'jane@example.test',
      image_url: 'https://img.clerk.test/u',
      has_image: false,
    },
    created_at: entity.createdAt,
    updated_at: version,
  };
}

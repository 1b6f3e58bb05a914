/** Objects of the Backend API beyond users, organizations and memberships, shaped as the spec says. */
export type CatalogKind =
  | 'organization_invitation'
  | 'organization_domain'
  | 'role'
  | 'permission'
  | 'waitlist_entry';

export interface CatalogEntity {
  kind: CatalogKind;
  id: string;
  /** ms; fixed for the object's life. */
  createdAt: number;
  /** For invitations and domains. */
  organizationId?: string;
}

type Json = Record<string, unknown>;

/**
 * The object as `GET` answers it in `shared/clerk/spec/backend-api-2026-05-12.yml` (every required
 * field), at `version` (its `updated_at`, ms). Content is derived from the version, so two versions
 * differ and one version is stable.
 */
export function catalogObject(entity: CatalogEntity, version: number): Json {
  const base = { id: entity.id, created_at: entity.createdAt, updated_at: version };
  switch (entity.kind) {
    case 'organization_invitation':
      return invitation(entity, version, base);
    case 'organization_domain':
      return domain(entity, version, base);
    case 'role':
      return role(entity, version, base);
    case 'permission':
      return permission(entity.id, version, base);
    case 'waitlist_entry':
      return {
        object: 'waitlist_entry',
        ...base,
        email_address: `${entity.id}.${version}@example.test`,
        status: version % 2 === 0 ? 'pending' : 'invited',
        is_locked: false,
        invitation: null,
      };
  }
}

function invitation(entity: CatalogEntity, version: number, base: Json): Json {
  return {
    object: 'organization_invitation',
    ...base,
    email_address: `${entity.id}.${version}@example.test`,
    role: version % 2 === 0 ? 'org:member' : 'org:admin',
    role_name: version % 2 === 0 ? 'Member' : 'Admin',
    organization_id: entity.organizationId ?? 'org_none',
    inviter_id: null,
    public_inviter_data: null,
    status: version % 3 === 0 ? 'accepted' : 'pending',
    public_metadata: {},
    private_metadata: {},
    url: null,
    expires_at: entity.createdAt + 30 * 86_400_000,
  };
}

function domain(entity: CatalogEntity, version: number, base: Json): Json {
  const verification = {
    status: version % 2 === 0 ? 'verified' : 'unverified',
    strategy: 'email_code',
    attempts: null,
    expire_at: null,
    verified_at: null,
  };
  return {
    object: 'organization_domain',
    ...base,
    organization_id: entity.organizationId ?? 'org_none',
    name: `${entity.id.toLowerCase()}.example.test`,
    enrollment_mode: version % 2 === 0 ? 'automatic_invitation' : 'manual_invitation',
    affiliation_email_address: null,
    affiliation_verification: verification,
    ownership_verification: null,
    verification,
    total_pending_invitations: 0,
    total_pending_suggestions: 0,
    public_organization_data: null,
  };
}

function role(entity: CatalogEntity, version: number, base: Json): Json {
  const key = entity.id.replace(/^role_/, '');
  return {
    object: 'role',
    ...base,
    name: `Role ${version}`,
    key: `org:${key}`,
    description: version % 2 === 0 ? null : `Described at ${version}`,
    is_creator_eligible: version % 2 === 0,
    permissions: [permission(`perm_of_${key}`, version, { ...base, id: `perm_of_${key}` })],
  };
}

function permission(id: string, version: number, base: Json): Json {
  const key = id.replace(/^perm_/, '');
  return {
    object: 'permission',
    ...base,
    name: `Permission ${version}`,
    key: `org:${key}:manage`,
    description: `Grants ${key} at ${version}`,
    type: 'user',
  };
}

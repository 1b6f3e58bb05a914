/** No foreign keys: a membership may arrive before its user or organization. Views do the joining. */
export interface OrganizationMembershipTable {
  id: string;
  organization_id: string | null;
  user_id: string | null;
  /** Always an `org:` key; legacy roles such as `admin` are normalised on the way in. */
  role: string | null;
  role_name: string | null;
  permissions: string[] | null;
  created_at: Date | null;
  updated_at: Date | null;
  deleted_at: Date | null;
  version: number;
}

export interface OrganizationTable {
  id: string;
  name: string | null;
  slug: string | null;
  image_url: string | null;
  created_by: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  public_metadata: Record<string, unknown> | null;
  deleted_at: Date | null;
  version: number;
}

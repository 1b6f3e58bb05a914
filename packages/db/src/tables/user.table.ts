/** A Clerk user. Personal columns are nulled when the user is deleted (see `userTable.personal`). */
export interface UserTable {
  id: string;
  /** The primary email address, resolved from `primary_email_address_id`. */
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  image_url: string | null;
  external_id: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  last_sign_in_at: Date | null;
  last_active_at: Date | null;
  banned: boolean | null;
  locked: boolean | null;
  public_metadata: Record<string, unknown> | null;
  deleted_at: Date | null;
  /** Ordering version in ms: only a change with an equal or newer version may overwrite the row. */
  version: number;
}

import type { Database } from '../database.js';
import type { RelationName } from './relations.js';

/** Every column name that some table or view of the schema has. */
type ColumnName = { [R in keyof Database]: keyof Database[R] & string }[keyof Database];

const live = (what: string) =>
  `Live ${what}: rows of the table of the same name without the _live suffix that are not deleted (deleted_at IS NULL). Read this, not the table, to leave tombstones out.`;

/**
 * What each table and view holds, for `COMMENT ON`: `\d+` in psql and database GUIs show it. Typed by
 * `RelationName`, so a new table or view does not compile until it is described here.
 */
export const relationComments: Record<RelationName, string> = {
  users:
    'Clerk users, one row per user id; deleted users stay as tombstones (deleted_at set, personal fields NULL).',
  organizations: 'Clerk organizations; deleted ones stay as tombstones (deleted_at set).',
  organization_memberships:
    'Memberships of users in organizations, with their role; deleted ones stay as tombstones.',
  organization_invitations:
    'Invitations to join an organization; the address is cleared when the invited user is deleted.',
  organization_domains: 'Verified or pending email domains of organizations.',
  sessions:
    'Clerk sessions, one per signed-in client; finished ones are pruned after SESSIONS_RETENTION_DAYS.',
  roles: 'Organization roles defined in the Clerk instance.',
  permissions: 'Organization permissions defined in the Clerk instance.',
  waitlist_entries: 'Waitlist sign-ups.',
  subscriptions: 'Clerk Billing subscriptions of users or organizations.',
  subscription_items: 'Items (plans) of Clerk Billing subscriptions.',
  payment_attempts: 'Clerk Billing payment attempts.',
  webhook_events:
    'Inbox: one row per webhook delivery (svix-id), the permanent duplicate check; no payloads.',
  sync_state: 'Backfill checkpoints, one per object type.',
  messages:
    'Emails and SMS Clerk sent; recipient, subject and body only with STORE_MESSAGE_CONTENT. Pruned after MESSAGES_RETENTION_DAYS.',
  tombstones: 'What USER_DELETION=hard keeps of a removed row, so late events cannot bring it back.',
  audit_log:
    'Append-only: one row per change to a synced row, with the names of the changed fields, never their values.',
  erased_subjects:
    'The erasure registry: for each deleted user, the user id and the SHA-256 hashes of their addresses. Rows written later that would store a matching address are cleared. Hashes only, never addresses.',
  user_address_hashes:
    'SHA-256 hashes of every address each user has had, so that a deletion can find them all (users keeps only the primary email). Hashes only.',
  clerk_instance:
    'The Clerk instance this copy belongs to (one row), recorded by the first reconcile whose key could see the local rows; later runs with another instance are refused.',
  drift_report:
    'The last reconcile run: rows found drifting, per entity and kind. The worker serves it as the clerk_sync_drift_rows gauge.',
  changes:
    'Change feed: one row per applied change, numbered by seq in commit order, with field names only. Notified on channel clerk_changes; pruned after CHANGES_RETENTION_DAYS.',
  signups_per_week: 'Signups per UTC week (from Monday), deleted users included.',
  signups_per_day: 'Signups per UTC day, deleted users included.',
  organizations_per_week: 'New organizations per UTC week (from Monday), deleted ones included.',
  organization_members:
    'Live memberships with organization name and member name; deleted users and organizations left out.',
  organization_roles: 'Members per role per organization, from organization_members.',
  user_organizations: 'Each live user with the number and ids of their organizations.',
  daily_active_users: 'Distinct users active per UTC day (from session activity), deleted users left out.',
  weekly_active_users: 'Distinct users active per UTC week (from session activity), deleted users left out.',
  monthly_active_users:
    'Distinct users active per UTC month (from session activity), deleted users left out.',
  top_users: 'Live users with their number of sessions and latest activity.',
  users_live: live('users'),
  organizations_live: live('organizations'),
  organization_memberships_live: live('organization memberships'),
  organization_invitations_live: live('organization invitations'),
  organization_domains_live: live('organization domains'),
  sessions_live: live('sessions'),
  roles_live: live('roles'),
  permissions_live: live('permissions'),
  waitlist_entries_live: live('waitlist entries'),
  subscriptions_live: live('subscriptions'),
  subscription_items_live: live('subscription items'),
  payment_attempts_live: live('payment attempts'),
};

/**
 * What a column holds, by column name, where the name means the same in every table and view that
 * has it. Typed by every column name of `Database`, so a new column does not compile until described.
 */
export const columnComments: Record<ColumnName, string> = {
  id: "Clerk's id of the object (user_…, org_…, orginv_…, sess_…).",
  deleted_at: 'When the object was deleted in Clerk; NULL while it exists. A set value marks a tombstone.',
  version:
    'Ordering version in epoch ms (updated_at of the object, or the delete time): a change applies only if its version is equal or newer.',
  last_event_id: 'svix-id of the webhook delivery that last changed the row, or backfill / reconcile.',
  created_at: 'When Clerk created the object.',
  updated_at: 'When Clerk last updated the object.',
  email: 'Primary email address (personal; NULL on a tombstone).',
  first_name: 'First name (personal).',
  last_name: 'Last name (personal).',
  username: 'Username (personal).',
  image_url: 'URL of the profile or logo image.',
  external_id: 'Your own id for the user, as set in Clerk.',
  last_sign_in_at: 'Last sign-in.',
  last_active_at: 'Last activity seen.',
  banned: 'Banned in Clerk.',
  locked: 'Locked in Clerk (too many failed sign-ins).',
  public_metadata: 'Public metadata, as set in Clerk (JSON).',
  phone_number: 'Primary phone number; stored only with STORE_PHONE_NUMBERS (personal).',
  private_metadata: 'Private metadata; stored only with STORE_PRIVATE_METADATA (personal).',
  external_accounts: 'Connected OAuth accounts; stored only with STORE_EXTERNAL_ACCOUNTS (personal).',
  web3_wallets: 'Web3 wallets; stored only with STORE_WEB3_WALLETS (personal).',
  name: 'Name (of the organization, role, permission or domain).',
  slug: 'URL slug.',
  created_by: 'Id of the user who created the organization.',
  organization_id: 'Id of the organization (no foreign key: events arrive in any order).',
  user_id: 'Id of the user (no foreign key: events arrive in any order).',
  role: 'Role key, e.g. org:admin.',
  role_name: 'Display name of the role.',
  permissions: 'Permission keys.',
  email_address: 'Email address (personal; cleared when its user is deleted).',
  status: "Clerk's status of the object.",
  expires_at: 'When the invitation expires.',
  enrollment_mode: 'How users with this domain join the organization.',
  verification_status: 'Whether the domain is verified.',
  client_id: 'Id of the Clerk client (browser or device) of the session.',
  last_active_organization_id: 'Organization that was active in the session.',
  expire_at: 'When the session expires.',
  abandon_at: 'When the session is abandoned if unused.',
  key: 'Key used in code, e.g. org:admin or org:invoices:read.',
  description: 'Description, as set in Clerk.',
  is_creator_eligible: 'Whether an organization creator can get this role.',
  type: 'Type, as Clerk reports it.',
  is_locked: 'Whether the entry is locked.',
  payer_id: 'Id of the Clerk Billing payer.',
  latest_payment_id: 'Id of the latest payment.',
  active_at: 'When the subscription became active.',
  canceled_at: 'When it was canceled.',
  ended_at: 'When it ended.',
  past_due_at: 'When it became past due.',
  subscription_id: 'Id of the subscription.',
  plan_id: 'Id of the plan.',
  plan_slug: 'Slug of the plan.',
  plan_name: 'Name of the plan.',
  amount: 'Amount in the smallest unit of the currency.',
  currency: 'ISO currency code.',
  interval: 'Billing interval (month, annual).',
  is_free_trial: 'Whether this is a free trial.',
  period_start: 'Start of the current period.',
  period_end: 'End of the current period.',
  payment_id: 'Id of the payment.',
  charge_type: 'Kind of charge (checkout, recurring).',
  paid_at: 'When it was paid.',
  failed_at: 'When it failed.',
  billing_date: 'Billing date.',
  svix_id: 'svix-id of the webhook delivery.',
  entity_id: 'Id of the entity concerned.',
  event_version: 'Ordering version of the event in epoch ms.',
  received_at: 'When the ingest received the delivery.',
  applied_at: 'When it was applied.',
  outcome: 'What applying did: applied, stale or ignored.',
  object_type: 'Object type of the Backend API list.',
  cursor: 'Pagination cursor to resume from.',
  next_offset: 'Offset to resume from.',
  seen: 'Objects read so far.',
  total: 'Total objects reported by the API.',
  done: 'Whether the backfill of this type finished.',
  started_at: 'When the backfill started.',
  kind: 'email or sms.',
  address_id: 'Id of the email address or phone number.',
  delivered_by_clerk: 'Whether Clerk delivered it itself.',
  to_address: 'Recipient; only with STORE_MESSAGE_CONTENT (personal).',
  subject: 'Subject; only with STORE_MESSAGE_CONTENT (personal).',
  body: 'Body; only with STORE_MESSAGE_CONTENT (personal).',
  event_id: 'svix-id of the delivery that made the change, or backfill / reconcile.',
  entity: 'Table of the changed row (users, organizations, …).',
  action: 'create, update or delete.',
  changed_fields: 'Names of the fields that changed, never their values.',
  seq: 'Position in the feed, increasing in commit order: resume with seq > the last one handled.',
  op: 'insert, update or delete (a delete is a tombstone or a hard delete).',
  source: 'svix-id of the delivery, or backfill / reconcile.',
  changed_at: 'When the change was committed to the feed.',
  period: 'Start of the UTC day, week or month.',
  active_users: 'Distinct active users in the period.',
  week: 'Start of the UTC week (Monday).',
  day: 'The UTC day.',
  signups: 'Users created in the period.',
  organizations: 'Organizations (created in the week, or of the user).',
  organization_name: 'Name of the organization.',
  joined_at: 'When the membership was created.',
  members: 'Number of members.',
  organization_ids: 'Ids of the organizations; NULL when none.',
  sessions: 'Number of sessions.',
  erased_at: 'When the subject was erased.',
  event_ts:
    'Envelope timestamp (ms) of the event that wrote the row: the tie-break after version. NULL for snapshots from backfill or reconcile.',
  singleton: 'Always true: the table holds one row at most.',
  instance_id:
    'The Clerk instance (ins_…) the row came from. NULL on rows written before instances were recorded, until clerk-sync adopt-instance assigns them or their instance writes them next.',
  environment_type: 'development or production, as Clerk reports it.',
  recorded_at: 'When the instance was recorded.',
  rows: 'Number of rows.',
  reported_at: 'When the reconcile run reported it.',
  hash: 'address_hash() of an email address (trimmed, lowercased) or phone number (digits only).',
};

/** Where a column's meaning in one relation differs from {@link columnComments}. */
export const columnCommentOverrides: Partial<Record<RelationName, Partial<Record<ColumnName, string>>>> = {
  audit_log: { id: 'Position in the log.', version: 'Version of the row after the change.' },
  clerk_instance: { instance_id: "Clerk's instance id (ins_…), from GET /v1/instance." },
  changes: { version: 'Version of the row after the change.' },
  erased_subjects: {
    instance_id:
      "The deleted user's Clerk instance: the entry clears rows of that instance only. NULL on entries from before instances were recorded, which clear every matching row.",
    subject: 'The user id (kind user) or an address_hash() (kind email or phone).',
    kind: 'user, email or phone.',
    user_id: 'The deleted user.',
    event_id: 'svix-id of the delete, or reconcile.',
  },
  drift_report: {
    entity: 'users, organizations or memberships.',
    kind: 'missing, outdated, gone or deleted_locally.',
  },
  user_address_hashes: { kind: 'email or phone.', user_id: 'The user the address belongs to.' },
  tombstones: {
    id: 'Id of the removed object.',
    entity: 'Table the row was removed from.',
    deleted_at: 'When it was deleted.',
  },
  messages: {
    id: "Clerk's id of the message.",
    created_at: 'When Clerk created the message.',
    status: 'Delivery status.',
  },
  webhook_events: { type: 'Event type, e.g. user.updated.' },
  sync_state: { updated_at: 'Last checkpoint.' },
  top_users: { last_active_at: 'Latest activity, from sessions or the user.' },
};

const relationTexts: Readonly<Record<string, string | undefined>> = relationComments;
const columnTexts: Readonly<Record<string, string | undefined>> = columnComments;
const overrideTexts: Readonly<Record<string, Readonly<Record<string, string | undefined>> | undefined>> =
  columnCommentOverrides;

/**
 * The comment on a relation, or on one of its columns: the column's override for that relation, or
 * what the column name means everywhere. `undefined` for a name this schema does not define.
 */
export function commentOn(relation: string, column?: string): string | undefined {
  // Own keys only: a relation or column named `constructor` must not find Object.prototype's.
  const own = <T>(map: Readonly<Record<string, T | undefined>> | undefined, key: string) =>
    map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
  if (column === undefined) return own(relationTexts, relation);
  return own(own(overrideTexts, relation), column) ?? own(columnTexts, column);
}

import { organizationTable } from './organization.table.js';
import { domainTable } from './organization-domain.table.js';
import { invitationTable } from './organization-invitation.table.js';
import { membershipTable } from './organization-membership.table.js';
import { paymentAttemptTable } from './payment-attempt.table.js';
import { permissionTable } from './permission.table.js';
import { roleTable } from './role.table.js';
import { sessionTable } from './session.table.js';
import { subscriptionTable } from './subscription.table.js';
import { subscriptionItemTable } from './subscription-item.table.js';
import { userTable } from './user.table.js';
import { waitlistEntryTable } from './waitlist-entry.table.js';

/**
 * Every synced table, in the fixed order in which a batch writes them, so that concurrent batches
 * take row locks in the same order.
 */
export const entityTables = [
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
] as const;

export type EntityTableName = (typeof entityTables)[number]['name'];

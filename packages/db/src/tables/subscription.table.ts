import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A billing subscription of a user or an organization. */
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
    ...timestampColumns,
  },
  immutable: ['created_at'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `subscriptions`, derived from {@link subscriptionTable}. */
export type SubscriptionTable = RowOf<EntityRelation<typeof subscriptionTable>>;

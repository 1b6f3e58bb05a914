import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** One plan within a subscription, for one billing period. `amount` is in the currency's minor unit. */
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
    ...timestampColumns,
  },
  immutable: ['created_at'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `subscription_items`, derived from {@link subscriptionItemTable}. */
export type SubscriptionItemTable = RowOf<EntityRelation<typeof subscriptionItemTable>>;

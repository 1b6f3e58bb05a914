import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A billing payment attempt. `amount` is in the currency's minor unit. */
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
    ...timestampColumns,
  },
  immutable: ['created_at'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `payment_attempts`, derived from {@link paymentAttemptTable}. */
export type PaymentAttemptTable = RowOf<EntityRelation<typeof paymentAttemptTable>>;

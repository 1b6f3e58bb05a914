import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A waitlist entry; its address is personal and erased with the user who has it. */
export const waitlistEntryTable = {
  name: 'waitlist_entries',
  columns: { email_address: 'text', status: 'text', is_locked: 'boolean', ...timestampColumns },
  immutable: ['created_at'],
  personal: ['email_address'],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `waitlist_entries`, derived from {@link waitlistEntryTable}. */
export type WaitlistEntryTable = RowOf<EntityRelation<typeof waitlistEntryTable>>;

import { type EntityRelation, type EntityTable, timestampColumns } from '../schema/entity-table.js';
import type { RowOf } from '../schema/relation.js';

/** A sign-in session, with its latest activity: the active-user views count these. */
export const sessionTable = {
  name: 'sessions',
  columns: {
    user_id: 'text',
    client_id: 'text',
    status: 'text',
    last_active_organization_id: 'text',
    last_active_at: 'timestamptz',
    expire_at: 'timestamptz',
    abandon_at: 'timestamptz',
    ...timestampColumns,
  },
  immutable: ['created_at', 'user_id', 'client_id'],
  personal: [],
  keptOnDelete: [],
} as const satisfies EntityTable;

/** Kysely's view of `sessions`, derived from {@link sessionTable}. */
export type SessionTable = RowOf<EntityRelation<typeof sessionTable>>;

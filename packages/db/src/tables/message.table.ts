import { notNull, nullable } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/** Append-only: one row per email or SMS Clerk sent. Recipient and content only if configured. */
export const messageTable = {
  name: 'messages',
  kind: 'table',
  columns: {
    id: notNull('text'),
    kind: notNull('text', ['email', 'sms']),
    user_id: nullable('text'),
    address_id: nullable('text'),
    slug: nullable('text'),
    status: nullable('text'),
    delivered_by_clerk: nullable('boolean'),
    to_address: nullable('text'),
    subject: nullable('text'),
    body: nullable('text'),
    created_at: nullable('timestamptz'),
    svix_id: nullable('text'),
    instance_id: nullable('text'),
  },
} as const satisfies Relation;

/** Kysely's view of `messages`, derived from {@link messageTable}. */
export type MessageTable = RowOf<typeof messageTable>;

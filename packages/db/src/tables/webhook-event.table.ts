import { notNull, nullable, withDefault } from '../schema/column.js';
import type { Relation, RowOf } from '../schema/relation.js';

/** What became of a delivery: written, older than the row, or a type this version does not handle. */
export const inboxOutcomes = ['applied', 'stale', 'ignored'] as const;
export type InboxOutcome = (typeof inboxOutcomes)[number];

/** The inbox: one row per delivery ever applied, keyed by svix-id. It is the permanent dedupe. */
export const webhookEventTable = {
  name: 'webhook_events',
  kind: 'table',
  columns: {
    svix_id: notNull('text'),
    type: notNull('text'),
    entity_id: nullable('text'),
    event_version: nullable('bigint'),
    received_at: notNull('timestamptz'),
    applied_at: withDefault('timestamptz'),
    outcome: nullable('text', inboxOutcomes),
    instance_id: nullable('text'),
  },
} as const satisfies Relation;

/** Kysely's view of `webhook_events`, derived from {@link webhookEventTable}. */
export type WebhookEventTable = RowOf<typeof webhookEventTable>;

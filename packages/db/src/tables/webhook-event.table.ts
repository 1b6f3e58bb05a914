import type { Generated } from 'kysely';

export type InboxOutcome = 'applied' | 'stale' | 'ignored';

/** The inbox: one row per delivery ever applied, keyed by svix-id. It is the permanent dedupe. */
export interface WebhookEventTable {
  svix_id: string;
  type: string;
  entity_id: string | null;
  event_version: number | null;
  received_at: Date;
  applied_at: Generated<Date>;
  outcome: InboxOutcome | null;
}

import type { WebhookEvent } from '@clerk/backend';

/** Clerk's own union of webhook events; ours may also be of types newer than the SDK knows. */
export type ClerkWebhookEvent = WebhookEvent;

/** An event as received: an object with a string `type` and an object `data`, nothing checked beyond that. */
export interface RawEvent {
  type: string;
  data: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * One delivery of an event, as `prepareEvent` reads it: whatever carried it (a queue job, a test,
 * a backfill) adds its own fields around these. `receivedAt` is when the ingest accepted it (ms),
 * for end-to-end lag.
 */
export interface Delivery {
  svixId: string;
  receivedAt: number;
  event: RawEvent;
  /**
   * The configured name of the Clerk instance whose signing secret verified the delivery (the ingest
   * sets it; see `CLERK_INSTANCES`). Absent on jobs from before instances were recorded.
   */
  instance?: string;
}

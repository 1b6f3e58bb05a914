import type { WebhookEvent } from '@clerk/backend';
import { z } from 'zod';
import { describeIssues } from './describe-issues.js';
import { InvalidEventError } from './invalid-event-error.js';

/** Clerk's own union of webhook events; ours may also be of types newer than the SDK knows. */
export type ClerkWebhookEvent = WebhookEvent;

/** An event as received: an object with a string `type` and an object `data`, nothing checked beyond that. */
export interface RawEvent {
  type: string;
  data: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * What the ingest puts on the queue for each delivery. `v` lets the worker read old jobs after the
 * contract changes; `receivedAt` is when the ingest accepted it (ms), for end-to-end lag.
 */
export interface JobPayloadV1 {
  v: 1;
  svixId: string;
  receivedAt: number;
  event: RawEvent;
  /** W3C trace context of the ingest's producer span, so the worker's span joins the same trace. */
  trace?: Record<string, string>;
}

export type JobPayload = JobPayloadV1;

const jobPayloadSchema = z.object({
  v: z.literal(1),
  svixId: z.string().min(1),
  receivedAt: z.number().finite(),
  event: z.looseObject({ type: z.string().min(1), data: z.record(z.string(), z.unknown()) }),
  trace: z.record(z.string(), z.string()).optional(),
});

/** Checks the job contract (not the event's fields: see `prepareEvent`). Throws `InvalidEventError`. */
export function parseJobPayload(input: unknown): JobPayload {
  const result = jobPayloadSchema.safeParse(input);
  if (!result.success) throw new InvalidEventError(`job payload: ${describeIssues(result.error)}`);
  return result.data as JobPayload;
}

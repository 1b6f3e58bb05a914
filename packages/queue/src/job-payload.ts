import { INSTANCE_NAME } from '@clerk-sync/config';
import { type Delivery, describeIssues, InvalidEventError } from '@clerk-sync/events';
import { z } from 'zod';

/**
 * What the ingest puts on the queue for each delivery: the event contract's `Delivery`, plus `v`,
 * so the worker can read old jobs after the contract changes.
 */
export interface JobPayloadV1 extends Delivery {
  v: 1;
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
  instance: z.string().regex(INSTANCE_NAME).optional(),
});

/** Checks the job contract (not the event's fields: see `prepareEvent`). Throws `InvalidEventError`. */
export function parseJobPayload(input: unknown): JobPayload {
  const result = jobPayloadSchema.safeParse(input);
  if (!result.success) throw new InvalidEventError(`job payload: ${describeIssues(result.error)}`);
  return result.data as JobPayload;
}

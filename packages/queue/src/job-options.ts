import type { JobsOptions } from 'bullmq';

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
  /** 0–1: how much of each backoff delay is randomised, so retries after an outage do not stampede. */
  jitter: number;
  dedupeWindowSeconds: number;
  dedupeMaxJobs: number;
}

/**
 * Options for every job the ingest adds. BullMQ's default is a single attempt, so retries are explicit.
 * Completed jobs stay for the dedupe window, so a redelivered svix-id is recognised without touching
 * Postgres; failed jobs stay until the worker moves them to the dead-letter queue.
 */
export function jobOptions(svixId: string, policy: RetryPolicy): JobsOptions {
  return {
    jobId: svixId,
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs, jitter: policy.jitter },
    removeOnComplete: { age: policy.dedupeWindowSeconds, count: policy.dedupeMaxJobs },
    removeOnFail: false,
  };
}

import type { ApplyOutcome } from '@clerk-sync/db';
import { InvalidEventError, prepareEvent } from '@clerk-sync/events';
import {
  isScrubbed,
  type Job,
  type JobScrubber,
  parseJobPayload,
  UnrecoverableError,
} from '@clerk-sync/queue';
import { attributes, extractTrace, MESSAGING_SYSTEM, spanNames, traced } from '@clerk-sync/telemetry';
import { type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import type { Batcher } from './batcher.js';
import type { InstanceRouter, RoutedEvent } from './instance-router.js';
import type { Logger } from './logger.js';

export interface JobProcessorDeps {
  queueName: string;
  batcher: Pick<Batcher<RoutedEvent>, 'submit'>;
  /** Which instance each delivery belongs to, and so which rows it may write (see `createInstanceRouter`). */
  route: InstanceRouter;
  /** Strips a job's payload once its event committed (`SCRUB_COMPLETED_JOBS`); absent when off. */
  scrubber: Pick<JobScrubber, 'scrub'> | undefined;
  logger: Logger;
  /** An event dated further ahead than this is invalid (`MAX_FUTURE_SKEW_MS`). */
  maxFutureSkewMs: number;
}

/** What the processor reads of `job.data` before it is validated, for the span only. */
interface UncheckedJobData {
  trace?: Record<string, string>;
  event?: { type?: unknown; data?: { id?: unknown } };
}

/**
 * BullMQ's processor. Each attempt gets a CONSUMER span that continues the trace the ingest put in the
 * job; inside it the payload is parsed and prepared, then handed to the Batcher, whose commit decides
 * the outcome. An invalid payload throws `UnrecoverableError`, so the job is dead-lettered at once.
 */
export function createJobProcessor(deps: JobProcessorDeps): (job: Job) => Promise<ApplyOutcome> {
  const tracer = trace.getTracer('clerk-sync-worker');
  return (job) => {
    const data = job.data as UncheckedJobData | undefined;
    const eventType = typeof data?.event?.type === 'string' ? data.event.type : job.name;
    const entityId = typeof data?.event?.data?.id === 'string' ? data.event.data.id : '';
    return traced(
      tracer,
      spanNames.process(deps.queueName),
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [attributes.messagingSystem]: MESSAGING_SYSTEM,
          [attributes.destination]: deps.queueName,
          [attributes.operationType]: 'process',
          [attributes.messageId]: job.id ?? '',
          [attributes.eventType]: eventType,
          [attributes.entityId]: entityId,
          'messaging.bullmq.attempt': job.attemptsMade + 1,
        },
      },
      async (span) => {
        const outcome = await applyJob(deps, job, span.spanContext());
        span.setAttribute(attributes.outcome, outcome);
        return outcome;
      },
      extractTrace(typeof data?.trace === 'object' ? data.trace : undefined),
    );
  };
}

async function applyJob(deps: JobProcessorDeps, job: Job, span: SpanContext): Promise<ApplyOutcome> {
  // Scrubbed only after its event committed: a stalled job picked up again has nothing left to do.
  if (isScrubbed(job.data)) return 'duplicate';
  let payload: ReturnType<typeof parseJobPayload>;
  let event: RoutedEvent;
  try {
    payload = parseJobPayload(job.data);
    const prepared = prepareEvent(payload, { now: Date.now(), maxFutureSkewMs: deps.maxFutureSkewMs });
    const { instanceId, schema } = deps.route(payload.instance, prepared.instanceId);
    event = { ...prepared, instanceId, schema };
  } catch (error) {
    if (error instanceof InvalidEventError) throw new UnrecoverableError(error.message);
    throw error;
  }
  const { outcome, conflict } = await deps.batcher.submit(event, span);
  if (conflict) {
    // Nothing of it was written, its inbox row included: dead-letter it with whose row it was.
    throw new UnrecoverableError(
      `instance conflict: ${conflict.table} ${conflict.id} belongs to Clerk instance ${conflict.owner}, this event to ${conflict.writer ?? 'none'}`,
    );
  }
  await deps.scrubber?.scrub(job, payload);
  deps.logger.debug(
    { svixId: event.svixId, eventType: event.type, entityId: event.entityId, outcome },
    'event done',
  );
  return outcome;
}

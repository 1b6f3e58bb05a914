import { isHandledEventType } from '@clerk-sync/events';
import type { DeadLetters, Queue } from '@clerk-sync/queue';
import { metricNames } from '@clerk-sync/telemetry';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestOutcome } from './app.js';

/** How request outcomes are grouped on the dashboard. */
const outcomeGroup: Record<IngestOutcome, string> = {
  enqueued: 'enqueued',
  duplicate: 'duplicate',
  missing_headers: 'bad_signature',
  invalid_headers: 'bad_signature',
  stale_timestamp: 'bad_signature',
  bad_signature: 'bad_signature',
  too_large: 'too_large',
  aborted: 'invalid',
  invalid_json: 'invalid',
  invalid_event: 'invalid',
  too_deep: 'invalid',
  unprocessable: 'invalid',
  invalid_svix_id: 'invalid',
  unavailable: 'unavailable',
};

export interface IngestMetrics {
  registry: Registry;
  onOutcome(outcome: IngestOutcome, eventType: string | undefined, seconds: number): void;
}

/**
 * Prometheus metrics for the edge: webhooks by type and outcome, request latency, and the depth of the
 * main and dead-letter queues by state (read from Redis at scrape time).
 */
export function createIngestMetrics(queue: Queue, deadLetters: DeadLetters): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clerk_sync_ingest_' });
  const received = new Counter({
    name: metricNames.webhooksReceived,
    help: 'Webhook requests by Clerk event type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: metricNames.ingestDuration,
    help: 'Time from request to answer, in seconds.',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: metricNames.queueDepth,
    help: 'Jobs per queue and state; state="dead" counts dead letters.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      const dead = await deadLetters.dead.getJobCountByTypes('waiting', 'delayed', 'prioritized');
      for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      this.set({ queue: queue.name, state: 'dead' }, dead);
    },
  });
  return {
    registry,
    onOutcome(outcome, eventType, seconds) {
      const group = outcomeGroup[outcome];
      const type = eventType === undefined ? 'unknown' : isHandledEventType(eventType) ? eventType : 'other';
      received.inc({ type, outcome: group });
      duration.observe({ outcome: group }, seconds);
    },
  };
}

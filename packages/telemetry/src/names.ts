/**
 * Every span, attribute and metric name the pipeline emits, in one place. Messaging attributes follow
 * OpenTelemetry's messaging semantic conventions; `clerk.*` ones are ours.
 */
export const spanNames = {
  webhook: 'POST /webhooks/clerk',
  enqueue: (queue: string) => `send ${queue}`,
  process: (queue: string) => `process ${queue}`,
  applyBatch: 'clerk.apply_batch',
} as const;

export const attributes = {
  messagingSystem: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  eventType: 'clerk.event.type',
  entityId: 'clerk.entity.id',
  outcome: 'clerk.apply.outcome',
  ingestOutcome: 'clerk.ingest.outcome',
} as const;

export const MESSAGING_SYSTEM = 'bullmq';

export const metricNames = {
  webhooksReceived: 'clerk_sync_webhooks_received_total',
  ingestDuration: 'clerk_sync_ingest_request_duration_seconds',
  queueDepth: 'clerk_sync_queue_jobs',
  eventsApplied: 'clerk_sync_events_total',
  applyDuration: 'clerk_sync_apply_batch_duration_seconds',
  batchSize: 'clerk_sync_apply_batch_size',
  retries: 'clerk_sync_job_retries_total',
  stalled: 'clerk_sync_jobs_stalled_total',
  deadLettered: 'clerk_sync_dead_lettered_total',
  deadLettersHeld: 'clerk_sync_dead_letters',
  deadLettersExpired: 'clerk_sync_dead_letters_expired_total',
  prunedRows: 'clerk_sync_pruned_rows_total',
  endToEndLag: 'clerk_sync_end_to_end_lag_seconds',
  queueLag: 'clerk_sync_queue_lag_seconds',
  driftRows: 'clerk_sync_drift_rows',
  driftReportedAt: 'clerk_sync_drift_report_timestamp_seconds',
} as const;

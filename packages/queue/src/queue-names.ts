/** The queue the ingest fills and the worker drains, unless `QUEUE_NAME` says otherwise. */
export const DEFAULT_QUEUE_NAME = 'clerk-events';

/** Jobs that failed for good are moved here, with their failure context, until replayed. */
export function deadLetterQueueName(queueName: string): string {
  return `${queueName}-dead`;
}

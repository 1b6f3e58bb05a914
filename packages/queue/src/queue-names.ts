/** The queue the ingest fills and the worker drains, unless `QUEUE_NAME` says otherwise. */
export const DEFAULT_QUEUE_NAME = 'clerk-events';

/** Jobs that failed for good are moved here, with their failure context, until replayed. */
export function deadLetterQueueName(queueName: string): string {
  return `${queueName}-dead`;
}

/**
 * The Redis Cluster hash tag of a queue's keys (`bull:<name>:…`): the text between the name's first
 * `{` and the next `}`, if not empty; `undefined` when the keys would spread over many slots. The
 * dead-letter queue's name starts with the same text, so it shares the tag and the slot.
 *
 * @example
 * queueHashTag('{clerk}-events') // 'clerk'
 * queueHashTag('clerk-events') // undefined
 */
export function queueHashTag(queueName: string): string | undefined {
  const open = queueName.indexOf('{');
  if (open < 0) return undefined;
  const close = queueName.indexOf('}', open + 1);
  return close > open + 1 ? queueName.slice(open + 1, close) : undefined;
}

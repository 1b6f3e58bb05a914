import { toMillis } from './timestamps.js';

const DELETE_ACTIONS = new Set(['deleted']);

/** True for `*.deleted` events: their data no longer has a meaningful `updated_at`. */
export function isDeleteEventType(type: string): boolean {
  const action = type.slice(type.lastIndexOf('.') + 1);
  return DELETE_ACTIONS.has(action);
}

/**
 * The ordering version of an event, in milliseconds. Upserts use `data.updated_at`; deletes (and
 * events without `updated_at`) use the envelope timestamp. Either is normalised to ms (`toMillis`). `null` if neither exists.
 *
 * @example eventVersion({ type: 'user.deleted', timestamp: 1716883200, data: { id: 'u' } }) === 1716883200000
 */
export function eventVersion(event: {
  type: string;
  timestamp?: number | undefined;
  data: { updated_at?: unknown };
}): number | null {
  const updatedAt = event.data.updated_at;
  if (!isDeleteEventType(event.type) && typeof updatedAt === 'number' && Number.isFinite(updatedAt)) {
    return toMillis(updatedAt);
  }
  return typeof event.timestamp === 'number' && Number.isFinite(event.timestamp)
    ? toMillis(event.timestamp)
    : null;
}

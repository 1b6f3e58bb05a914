import type { Delivery } from './delivery.js';
import { describeIssues } from './describe-issues.js';
import { entityKey } from './entity-key.js';
import { eventVersion } from './event-version.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS, futureVersionProblem, type VersionClock } from './future-version.js';
import { type HandledEvent, handledEvents, isHandledEventType } from './handled-events.js';
import { InvalidEventError } from './invalid-event-error.js';
import { deletedObjectSchema, envelopeSchema } from './schemas.js';

/** A delivery, validated and annotated with what ordering needs. */
export interface PreparedEvent {
  svixId: string;
  receivedAt: number;
  type: string;
  /** `user:<id>` etc.; see `entityKey`. */
  entityKey: string;
  entityId: string | null;
  /** Ordering version in ms (see `eventVersion`); `null` only for unhandled types without one. */
  version: number | null;
  /**
   * The envelope `timestamp` in ms (when Clerk emitted the event), `null` if the envelope has none.
   * Among events of equal `version` it decides which is later, before the svix-id does.
   */
  eventTs: number | null;
  /** The envelope's `instance_id` (`ins_…`), `null` if it has none. The worker checks it against the job's instance. */
  instanceId: string | null;
  /** The parsed event when its type is handled; `null` means the worker records it as `ignored`. */
  handled: HandledEvent | null;
}

/**
 * Validates a delivery's event and computes its version and entity key. Throws `InvalidEventError`
 * when the envelope, or the data of a handled type, lacks a field the worker needs, or when the
 * version is further ahead of `clock.now` than `clock.maxFutureSkewMs` (see `futureVersionProblem`).
 * The worker passes its clock; left out, it is `Date.now()` with a skew of one day.
 *
 * It reads only the `Delivery` fields, so whatever carries one (a queue job's payload, with its `v`
 * and `trace`) is passed as it is.
 *
 * @example prepareEvent(job.data, { now: Date.now(), maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS })
 */
export function prepareEvent<D extends Delivery>(
  payload: D,
  clock: Partial<VersionClock> = {},
): PreparedEvent {
  const envelope = envelopeSchema.safeParse(payload.event);
  if (!envelope.success) throw new InvalidEventError(describeIssues(envelope.error));
  const event = envelope.data;
  const resolved: VersionClock = {
    now: clock.now ?? Date.now(),
    maxFutureSkewMs: clock.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS,
  };
  const checkFuture = (version: number | null): void => {
    if (version === null) return;
    const problem = futureVersionProblem(version, resolved);
    if (problem !== null) throw new InvalidEventError(`${event.type}: ${problem}`);
  };
  const id = typeof event.data.id === 'string' && event.data.id !== '' ? event.data.id : null;
  const base = {
    svixId: payload.svixId,
    receivedAt: payload.receivedAt,
    type: event.type,
    entityKey: entityKey(event),
    entityId: id,
    eventTs: event.timestamp ?? null,
    instanceId: event.instance_id ?? null,
  };
  if (!isHandledEventType(event.type)) {
    const version = eventVersion(event);
    checkFuture(version);
    return { ...base, version, handled: null };
  }
  const spec = handledEvents[event.type];
  if (spec.schema === deletedObjectSchema && event.data.id === undefined) {
    // The spec lets a deleted object omit its id. Such a delete names no row: record it as ignored
    // rather than dead-letter an event Clerk was entitled to send.
    const version = eventVersion(event);
    checkFuture(version);
    return { ...base, version, handled: null };
  }
  const data = spec.schema.safeParse(event.data);
  if (!data.success) throw new InvalidEventError(`${event.type}: ${describeIssues(data.error, ['data'])}`);
  const version = eventVersion(event);
  if (version === null) {
    throw new InvalidEventError(
      `${event.type}: timestamp: required for ${spec.isDelete ? 'deletes' : 'events'}`,
    );
  }
  checkFuture(version);
  if (base.eventTs !== null) checkFuture(base.eventTs);
  const handled = { type: event.type, data: sessionUserChecked(data.data, resolved) } as HandledEvent;
  return { ...base, version, handled };
}

/**
 * A session's `user` rides along only if it is the session's own user and its version passes the
 * same future check as an event's: otherwise it is dropped and the session applies alone.
 */
function sessionUserChecked<T>(data: T, clock: VersionClock): T {
  const { user, user_id } = data as { user?: { id: string; updated_at: number }; user_id?: string };
  if (user === undefined) return data;
  const problem = futureVersionProblem(user.updated_at, clock);
  if (user.id === user_id && problem === null) return data;
  const { user: _dropped, ...rest } = data as T & { user?: unknown };
  return rest as T;
}

import { describeIssues } from './describe-issues.js';
import { entityKey } from './entity-key.js';
import { eventVersion } from './event-version.js';
import { type HandledEvent, handledEvents, isHandledEventType } from './handled-events.js';
import { InvalidEventError } from './invalid-event-error.js';
import type { JobPayload } from './job-payload.js';
import { envelopeSchema } from './schemas.js';

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
  /** The parsed event when its type is handled; `null` means the worker records it as `ignored`. */
  handled: HandledEvent | null;
}

/**
 * Validates a job's event and computes its version and entity key. Throws `InvalidEventError`
 * when the envelope, or the data of a handled type, lacks a field the worker needs.
 */
export function prepareEvent(payload: JobPayload): PreparedEvent {
  const envelope = envelopeSchema.safeParse(payload.event);
  if (!envelope.success) throw new InvalidEventError(describeIssues(envelope.error));
  const event = envelope.data;
  const id = typeof event.data.id === 'string' && event.data.id !== '' ? event.data.id : null;
  const base = {
    svixId: payload.svixId,
    receivedAt: payload.receivedAt,
    type: event.type,
    entityKey: entityKey(event),
    entityId: id,
  };
  if (!isHandledEventType(event.type)) {
    return { ...base, version: eventVersion(event), handled: null };
  }
  const spec = handledEvents[event.type];
  const data = spec.schema.safeParse(event.data);
  if (!data.success) throw new InvalidEventError(`${event.type}: ${describeIssues(data.error, ['data'])}`);
  const version = eventVersion(event);
  if (version === null) {
    throw new InvalidEventError(
      `${event.type}: timestamp: required for ${spec.isDelete ? 'deletes' : 'events'}`,
    );
  }
  const handled = { type: event.type, data: data.data } as HandledEvent;
  return { ...base, version, handled };
}

import type { EnqueueResult } from '@clerk-sync/queue';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { IngestBindings, IngestDeps, IngestOutcome } from './app.js';
import { declaresLargeBody } from './read-body.js';

/** What one webhook request has learned so far, for its answer, its metrics and its log line. */
export interface WebhookRequest {
  /** `performance.now()` when the request reached the handler. */
  started: number;
  /** Set once the svix-id is validated: the only form of it that is logged. */
  svixId?: string;
  eventType?: string;
  /** The configured name of the instance whose secret verified the body; never the secret. */
  instance?: string;
  /** Until the body is read in full; a large unread body ends the connection after the answer. */
  bodyUnread: boolean;
}

const messages: Record<Exclude<IngestOutcome, EnqueueResult>, [ContentfulStatusCode, string]> = {
  missing_headers: [400, 'svix-id, svix-timestamp and svix-signature headers are required'],
  invalid_headers: [400, 'svix-timestamp or svix-signature is malformed'],
  stale_timestamp: [400, 'svix-timestamp is more than 5 minutes away from now'],
  bad_signature: [400, 'no signing secret matches svix-signature'],
  too_large: [413, 'body is larger than the configured limit'],
  aborted: [400, 'the body did not arrive in full'],
  invalid_json: [400, 'body is not valid UTF-8 JSON'],
  invalid_event: [400, 'body must be an object with a string "type" and an object "data"'],
  too_deep: [400, 'body nests objects and arrays too deeply'],
  invalid_svix_id: [400, 'svix-id has unexpected characters or length'],
  unprocessable: [422, 'the event cannot be stored as a job'],
  unavailable: [503, 'queue unavailable, retry later'],
};

/**
 * Turns an outcome into the answer, in one place: reports it to `onOutcome`, logs one line (ids, type,
 * instance name, outcome and latency; never headers or body), and answers 202 or 200 for a stored event, otherwise
 * the outcome's status with `{ error, message }`.
 */
export function answerWebhook(
  c: Context<IngestBindings>,
  deps: Pick<IngestDeps, 'logger' | 'onOutcome'>,
  request: WebhookRequest,
  outcome: IngestOutcome,
): Response {
  const { svixId, eventType, instance } = request;
  const seconds = (performance.now() - request.started) / 1000;
  deps.onOutcome?.(outcome, eventType, seconds);
  const line = {
    svixId,
    ...(svixId === undefined && rawIdSummary(c.req.header('svix-id') ?? c.req.header('webhook-id'))),
    eventType,
    instance,
    outcome,
    latencyMs: Math.round(seconds * 10_000) / 10,
  };
  if (outcome === 'enqueued' || outcome === 'duplicate') {
    deps.logger.info(line, 'webhook accepted');
    return c.json({ status: outcome }, outcome === 'enqueued' ? 202 : 200);
  }
  if (outcome === 'unavailable') deps.logger.error(line, 'webhook not stored');
  else deps.logger.warn(line, 'webhook rejected');
  const [status, message] = messages[outcome];
  // A large body still on its way is not read: end the connection after the answer.
  const close = request.bodyUnread && declaresLargeBody(c) ? { Connection: 'close' } : undefined;
  return c.json({ error: outcome, message }, status, close);
}

/**
 * What the log says about a svix-id that failed validation: its length and a short printable prefix,
 * never the raw header (up to 16 KB of whatever a client chose to send).
 */
function rawIdSummary(raw: string | undefined): { svixIdLength?: number; svixIdPrefix?: string } {
  if (raw === undefined) return {};
  return { svixIdLength: raw.length, svixIdPrefix: raw.slice(0, 32).replace(/[^\x20-\x7e]/g, '?') };
}

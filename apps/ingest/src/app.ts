import { type RawEvent, withoutUnsafeMetadata } from '@clerk-sync/events';
import { type EnqueueResult, EnqueueUnavailableError, type JobPayload } from '@clerk-sync/queue';
import { attributes, injectTrace, MESSAGING_SYSTEM, spanNames, traced } from '@clerk-sync/telemetry';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';
import type { Logger } from './logger.js';
import { ABORTED, declaresLargeBody, declaresTooLarge, readBody, TOO_LARGE } from './read-body.js';
import type { VerifyFailure, WebhookVerifier } from './webhook-verifier.js';

export type IngestOutcome =
  | EnqueueResult
  | VerifyFailure
  | 'too_large'
  | 'aborted'
  | 'invalid_json'
  | 'invalid_event'
  | 'too_deep'
  | 'unprocessable'
  | 'unavailable';

export interface IngestDeps {
  /** Checks the headers before the body is read, then the body's HMAC. */
  verifier: WebhookVerifier;
  enqueue: (payload: JobPayload) => Promise<EnqueueResult>;
  /** True when Redis answers; backs `/readyz`. */
  isReady: () => Promise<boolean>;
  logger: Logger;
  bodyLimitBytes: number;
  /** For the producer span's `messaging.destination.name`. */
  queueName: string;
  /** Deepest nesting accepted in a body; see {@link MAX_JSON_DEPTH}. */
  maxJsonDepth?: number;
  /** Called once per webhook request, for metrics. */
  onOutcome?: (outcome: IngestOutcome, eventType: string | undefined, seconds: number) => void;
}

/** Request-scoped values: the svix-id once validated, the only form of it logged or traced. */
type IngestBindings = { Variables: { svixId: string } };

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
 * The public edge: verify Clerk's Svix signature over the raw body, then enqueue. It answers 2xx only
 * after Redis confirmed the job, 400 for anything the sender must not retry as-is, 413 for an oversized
 * body, 422 for an event the queue cannot store, and 503 only when Redis cannot take the job, so that
 * Svix retries later.
 *
 * The cheap checks come first: headers, svix-id, timestamp, declared length. A request that fails
 * them is answered without buffering its body, and, when that body is large, with `Connection: close`,
 * so that a hostile client costs neither memory nor the time to receive what it sends.
 */
export function createIngestApp(deps: IngestDeps): Hono<IngestBindings> {
  const app = new Hono<IngestBindings>();
  const { logger } = deps;
  const tracer = trace.getTracer('clerk-sync-ingest');

  // One SERVER span per delivery, with HTTP semantic conventions; the producer span nests under it.
  // Hono turns a handler's throw into the onError answer, so the outcome is read from the response.
  app.use('/webhooks/clerk', async (c, next) => {
    await traced(
      tracer,
      spanNames.webhook,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': c.req.method,
          'http.route': '/webhooks/clerk',
          'url.path': '/webhooks/clerk',
          'url.scheme': 'http',
        },
      },
      async (span) => {
        try {
          await next();
        } finally {
          const status = c.res.status;
          span.setAttribute('http.response.status_code', status);
          const svixId = c.get('svixId');
          if (svixId) span.setAttribute(attributes.messageId, svixId);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        }
      },
    );
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) =>
    (await deps.isReady()) ? c.json({ status: 'ready' }) : c.json({ status: 'redis unavailable' }, 503),
  );

  app.post('/webhooks/clerk', async (c) => {
    const started = performance.now();
    let svixId: string | undefined;
    let eventType: string | undefined;
    let bodyUnread = true;
    const finish = (outcome: IngestOutcome) => {
      const seconds = (performance.now() - started) / 1000;
      deps.onOutcome?.(outcome, eventType, seconds);
      const line = {
        svixId,
        ...(svixId === undefined && rawIdSummary(c.req.header('svix-id') ?? c.req.header('webhook-id'))),
        eventType,
        outcome,
        latencyMs: Math.round(seconds * 10_000) / 10,
      };
      if (outcome === 'enqueued' || outcome === 'duplicate') {
        logger.info(line, 'webhook accepted');
        return c.json({ status: outcome }, outcome === 'enqueued' ? 202 : 200);
      }
      if (outcome === 'unavailable') logger.error(line, 'webhook not stored');
      else logger.warn(line, 'webhook rejected');
      const [status, message] = messages[outcome];
      // A large body still on its way is not read: end the connection after the answer.
      const close = bodyUnread && declaresLargeBody(c) ? { Connection: 'close' } : undefined;
      return c.json({ error: outcome, message }, status, close);
    };

    const checked = deps.verifier.checkHeaders((name) => c.req.header(name));
    if (!checked.ok) return finish(checked.reason);
    svixId = checked.signed.id;
    c.set('svixId', svixId);
    if (declaresTooLarge(c, deps.bodyLimitBytes)) return finish('too_large');

    const body = await readBody(c, deps.bodyLimitBytes);
    if (body === TOO_LARGE) return finish('too_large');
    if (body === ABORTED) return finish('aborted');
    bodyUnread = false;
    if (!deps.verifier.verifyBody(checked.signed, body)) return finish('bad_signature');

    // JSON.parse copes with deep nesting, but writing the job (JSON.stringify) overflows the stack.
    if (exceedsJsonDepth(body, deps.maxJsonDepth ?? MAX_JSON_DEPTH)) return finish('too_deep');
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(body));
    } catch {
      return finish('invalid_json');
    }
    if (!isRawEvent(parsed)) return finish('invalid_event');
    eventType = parsed.type;
    const event = parsed;
    const id = svixId;
    trace.getActiveSpan()?.setAttribute(attributes.eventType, event.type);

    let outcome: IngestOutcome;
    try {
      outcome = await traced(
        tracer,
        spanNames.enqueue(deps.queueName),
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [attributes.messagingSystem]: MESSAGING_SYSTEM,
            [attributes.destination]: deps.queueName,
            [attributes.operationType]: 'send',
            [attributes.messageId]: id,
            [attributes.eventType]: event.type,
            [attributes.entityId]: typeof event.data.id === 'string' ? event.data.id : '',
          },
        },
        () =>
          deps.enqueue({
            v: 1,
            svixId: id,
            receivedAt: Date.now(),
            // Never stored, Redis included (docs/privacy.md); the signature was checked on the raw body.
            event: withoutUnsafeMetadata(event),
            trace: injectTrace(),
          }),
      );
    } catch (error) {
      // Only Redis being away is worth a retry; anything else would fail the same way again.
      outcome = error instanceof EnqueueUnavailableError ? 'unavailable' : 'unprocessable';
    }
    return finish(outcome);
  });
  app.all('/webhooks/clerk', (c) => c.json({ error: 'method_not_allowed' }, 405, { Allow: 'POST' }));
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  app.onError((error, c) => {
    logger.error({ err: { name: error.name, message: error.message } }, 'unhandled error');
    return c.json({ error: 'internal' }, 500);
  });
  return app;
}

function isRawEvent(value: unknown): value is RawEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { type, data } = value as Record<string, unknown>;
  return (
    typeof type === 'string' &&
    type.length > 0 &&
    type.length <= 200 &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data)
  );
}

/**
 * What the log says about a svix-id that failed validation: its length and a short printable prefix,
 * never the raw header (up to 16 KB of whatever a client chose to send).
 */
function rawIdSummary(raw: string | undefined): { svixIdLength?: number; svixIdPrefix?: string } {
  if (raw === undefined) return {};
  return { svixIdLength: raw.length, svixIdPrefix: raw.slice(0, 32).replace(/[^\x20-\x7e]/g, '?') };
}

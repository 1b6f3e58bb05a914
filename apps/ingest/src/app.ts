import type { JobPayload, RawEvent } from '@clerk-sync/events';
import { attributes, injectTrace, MESSAGING_SYSTEM, spanNames } from '@clerk-sync/events/telemetry';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type EnqueueResult, EnqueueUnavailableError } from './enqueuer.js';
import type { Logger } from './logger.js';
import { readBody, TOO_LARGE } from './read-body.js';
import type { SvixHeaders, VerifyFailure, VerifyResult } from './signing-secrets.js';

export type IngestOutcome =
  | EnqueueResult
  | VerifyFailure
  | 'too_large'
  | 'invalid_json'
  | 'invalid_event'
  | 'invalid_svix_id'
  | 'unavailable';

export interface IngestDeps {
  verify: (body: string, headers: SvixHeaders) => VerifyResult;
  enqueue: (payload: JobPayload) => Promise<EnqueueResult>;
  /** True when Redis answers; backs `/readyz`. */
  isReady: () => Promise<boolean>;
  logger: Logger;
  bodyLimitBytes: number;
  /** For the producer span's `messaging.destination.name`. */
  queueName: string;
  /** Called once per webhook request, for metrics. */
  onOutcome?: (outcome: IngestOutcome, eventType: string | undefined, seconds: number) => void;
}

/** Svix ids look like `msg_2Lh…`; BullMQ also refuses purely numeric custom job ids. */
const SVIX_ID = /^(?!\d+$)[A-Za-z0-9_.-]{1,128}$/;

const messages: Record<Exclude<IngestOutcome, EnqueueResult>, [ContentfulStatusCode, string]> = {
  missing_headers: [400, 'svix-id, svix-timestamp and svix-signature headers are required'],
  invalid_headers: [400, 'svix-timestamp or svix-signature is malformed'],
  stale_timestamp: [400, 'svix-timestamp is more than 5 minutes away from now'],
  bad_signature: [400, 'no signing secret matches svix-signature'],
  too_large: [413, 'body is larger than the configured limit'],
  invalid_json: [400, 'body is not valid JSON'],
  invalid_event: [400, 'body must be an object with a string "type" and an object "data"'],
  invalid_svix_id: [400, 'svix-id has unexpected characters or length'],
  unavailable: [503, 'queue unavailable, retry later'],
};

/**
 * The public edge: verify Clerk's Svix signature over the raw body, then enqueue. It answers 2xx only
 * after Redis confirmed the job, 400 for anything the sender must not retry as-is, 413 for an oversized
 * body, and 503 when Redis cannot take the job, so that Svix retries later.
 */
export function createIngestApp(deps: IngestDeps): Hono {
  const app = new Hono();
  const { logger } = deps;
  const tracer = trace.getTracer('clerk-sync-ingest');

  // One SERVER span per delivery, with HTTP semantic conventions; the producer span nests under it.
  app.use('/webhooks/clerk', async (c, next) => {
    await tracer.startActiveSpan(
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
          const svixId = c.req.header('svix-id');
          if (svixId) span.setAttribute(attributes.messageId, svixId);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
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
    const svixId = c.req.header('svix-id');
    let eventType: string | undefined;
    const finish = (outcome: IngestOutcome) => {
      const seconds = (performance.now() - started) / 1000;
      deps.onOutcome?.(outcome, eventType, seconds);
      const line = { svixId, eventType, outcome, latencyMs: Math.round(seconds * 10_000) / 10 };
      if (outcome === 'enqueued' || outcome === 'duplicate') {
        logger.info(line, 'webhook accepted');
        return c.json({ status: outcome }, outcome === 'enqueued' ? 202 : 200);
      }
      if (outcome === 'unavailable') logger.error(line, 'webhook not stored');
      else logger.warn(line, 'webhook rejected');
      const [status, message] = messages[outcome];
      return c.json({ error: outcome, message }, status);
    };

    const body = await readBody(c, deps.bodyLimitBytes);
    if (body === TOO_LARGE) return finish('too_large');
    const verified = deps.verify(body, {
      'svix-id': svixId,
      'svix-timestamp': c.req.header('svix-timestamp'),
      'svix-signature': c.req.header('svix-signature'),
    });
    if (!verified.ok) return finish(verified.reason);
    if (svixId === undefined || !SVIX_ID.test(svixId)) return finish('invalid_svix_id');

    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return finish('invalid_json');
    }
    if (!isRawEvent(parsed)) return finish('invalid_event');
    eventType = parsed.type;
    const event = parsed;
    trace.getActiveSpan()?.setAttribute(attributes.eventType, event.type);

    const produce = tracer.startActiveSpan(
      spanNames.enqueue(deps.queueName),
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [attributes.messagingSystem]: MESSAGING_SYSTEM,
          [attributes.destination]: deps.queueName,
          [attributes.operationType]: 'send',
          [attributes.messageId]: svixId,
          [attributes.eventType]: event.type,
          [attributes.entityId]: typeof event.data.id === 'string' ? event.data.id : '',
        },
      },
      async (span): Promise<IngestOutcome> => {
        try {
          return await deps.enqueue({ v: 1, svixId, receivedAt: Date.now(), event, trace: injectTrace() });
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          if (error instanceof EnqueueUnavailableError) return 'unavailable';
          throw error;
        } finally {
          span.end();
        }
      },
    );
    return finish(await produce);
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

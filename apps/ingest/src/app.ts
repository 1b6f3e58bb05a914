import type { EnqueueResult, JobPayload } from '@clerk-sync/queue';
import { trace } from '@opentelemetry/api';
import { Hono } from 'hono';
import type { Logger } from './logger.js';
import { receiveWebhook } from './receive-webhook.js';
import { webhookSpan } from './webhook-span.js';
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
  /** Deepest nesting accepted in a body; defaults to `MAX_JSON_DEPTH` (json-depth.ts). */
  maxJsonDepth?: number;
  /** Called once per webhook request, for metrics. */
  onOutcome?: (outcome: IngestOutcome, eventType: string | undefined, seconds: number) => void;
}

/** Request-scoped values: the svix-id once validated, the only form of it logged or traced. */
export type IngestBindings = { Variables: { svixId: string } };

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
  const tracer = trace.getTracer('clerk-sync-ingest');
  app.use('/webhooks/clerk', webhookSpan(tracer));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) =>
    (await deps.isReady()) ? c.json({ status: 'ready' }) : c.json({ status: 'redis unavailable' }, 503),
  );
  app.post('/webhooks/clerk', receiveWebhook(deps, tracer));
  app.all('/webhooks/clerk', (c) => c.json({ error: 'method_not_allowed' }, 405, { Allow: 'POST' }));
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  app.onError((error, c) => {
    deps.logger.error({ err: { name: error.name, message: error.message } }, 'unhandled error');
    return c.json({ error: 'internal' }, 500);
  });
  return app;
}

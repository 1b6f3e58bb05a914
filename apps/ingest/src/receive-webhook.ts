import { deleteUnsafeMetadata, type RawEvent } from '@clerk-sync/events';
import { EnqueueUnavailableError } from '@clerk-sync/queue';
import { attributes, injectTrace, MESSAGING_SYSTEM, spanNames, traced } from '@clerk-sync/telemetry';
import { SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { Context, Handler } from 'hono';
import { answerWebhook, type WebhookRequest } from './answer-webhook.js';
import type { IngestBindings, IngestDeps, IngestOutcome } from './app.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import { parseWebhookEvent } from './parse-webhook-event.js';
import { ABORTED, declaresTooLarge, readBody, TOO_LARGE } from './read-body.js';

/**
 * `POST /webhooks/clerk`: the cheap checks first (headers, svix-id, timestamp, declared length), so a
 * request that fails them is answered without buffering its body; then the body, its HMAC, its shape,
 * and the enqueue. Every path ends in {@link answerWebhook}.
 */
export function receiveWebhook(deps: IngestDeps, tracer: Tracer): Handler<IngestBindings> {
  return async (c) => {
    const request: WebhookRequest = { started: performance.now(), bodyUnread: true };
    const outcome = await webhookOutcome(c, deps, tracer, request);
    return answerWebhook(c, deps, request, outcome);
  };
}

async function webhookOutcome(
  c: Context<IngestBindings>,
  deps: IngestDeps,
  tracer: Tracer,
  request: WebhookRequest,
): Promise<IngestOutcome> {
  const checked = deps.verifier.checkHeaders((name) => c.req.header(name));
  if (!checked.ok) return checked.reason;
  const svixId = checked.signed.id;
  request.svixId = svixId;
  c.set('svixId', svixId);
  if (declaresTooLarge(c, deps.bodyLimitBytes)) return 'too_large';

  const body = await readBody(c, deps.bodyLimitBytes);
  if (body === TOO_LARGE) return 'too_large';
  if (body === ABORTED) return 'aborted';
  request.bodyUnread = false;
  const instance = deps.verifier.verifyBody(checked.signed, body);
  if (instance === undefined) return 'bad_signature';
  request.instance = instance;

  const event = parseWebhookEvent(body, deps.maxJsonDepth ?? MAX_JSON_DEPTH);
  if (typeof event === 'string') return event;
  request.eventType = event.type;
  trace.getActiveSpan()?.setAttribute(attributes.eventType, event.type);
  // Never stored, Redis included (docs/privacy.md); the signature was checked on the raw body. The
  // parsed body is this request's own, so the field is deleted in place rather than copied around.
  deleteUnsafeMetadata(event);
  return enqueueEvent(deps, tracer, { svixId, instance, event });
}

/**
 * The job, written under a PRODUCER span that the worker's span continues. It names the instance whose
 * secret verified it: the worker lets it write only that instance's rows.
 */
async function enqueueEvent(
  deps: IngestDeps,
  tracer: Tracer,
  { svixId, instance, event }: { svixId: string; instance: string; event: RawEvent },
): Promise<IngestOutcome> {
  try {
    return await traced(
      tracer,
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
      () =>
        deps.enqueue({
          v: 1,
          svixId,
          receivedAt: Date.now(),
          event,
          instance,
          trace: injectTrace(),
        }),
    );
  } catch (error) {
    // Only Redis being away is worth a retry; anything else would fail the same way again.
    return error instanceof EnqueueUnavailableError ? 'unavailable' : 'unprocessable';
  }
}

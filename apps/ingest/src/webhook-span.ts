import { attributes, spanNames, traced } from '@clerk-sync/telemetry';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import type { IngestBindings } from './app.js';

/**
 * One SERVER span per delivery, with HTTP semantic conventions; the producer span nests under it.
 * Hono turns a handler's throw into the onError answer, so the outcome is read from the response.
 */
export function webhookSpan(tracer: Tracer): MiddlewareHandler<IngestBindings> {
  return async (c, next) => {
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
  };
}

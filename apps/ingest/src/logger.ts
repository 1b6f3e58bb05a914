import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino } from 'pino';

/** Adds the active trace and span ids to every line written inside a span. */
export function traceMixin(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/**
 * The ingest's structured logger. Request lines carry svix-id, type, outcome and latency only;
 * headers and bodies are never logged, and these paths are redacted in case one slips in.
 */
export function createLogger(level: string) {
  return pino({
    name: 'clerk-sync-ingest',
    level,
    mixin: traceMixin,
    redact: {
      paths: ['secret', 'secrets', 'headers', 'body', 'req.headers', '*.authorization', '*.email', 'event'],
      censor: '[redacted]',
    },
  });
}

export type Logger = ReturnType<typeof createLogger>;

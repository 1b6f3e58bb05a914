import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino } from 'pino';

/** Adds the active trace and span ids to every line written inside a span. */
function traceMixin(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** The worker's logger: ids, types, outcomes and timings only; payload fields are never logged. */
export function createLogger(level: string) {
  return pino({
    name: 'clerk-sync-worker',
    level,
    mixin: traceMixin,
    redact: { paths: ['payload', 'event', 'data', '*.email', 'err.config'], censor: '[redacted]' },
  });
}

export type Logger = ReturnType<typeof createLogger>;

import {
  type Context,
  context,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';

/**
 * Runs `fn` inside a new active span and always ends it. If `fn` throws (or its promise rejects),
 * the span records the exception and gets status ERROR with the error's message, and the error is
 * rethrown unchanged. Success leaves the status unset, so `fn` decides what else a good result
 * means (attributes, or an ERROR status for a 5xx answer). Written once here, so no call site can
 * forget to end its span or to mark a failure.
 *
 * `parentContext` defaults to the active context; pass one to continue a trace that arrived with a
 * job, or to parent a span on a span context that is not active.
 *
 * @example
 * const rows = await traced(tracer, 'INSERT users', { kind: SpanKind.CLIENT }, () => runInsert());
 */
export function traced<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parentContext: Context = context.active(),
): Promise<T> {
  return tracer.startActiveSpan(name, options, parentContext, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}

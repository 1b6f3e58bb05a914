import { type Context, context, propagation } from '@opentelemetry/api';

/** W3C trace context as it travels inside a job payload (`traceparent`, maybe `tracestate`). */
export type TraceCarrier = Record<string, string>;

/** The active context, serialised for a job; `undefined` when tracing is off. */
export function injectTrace(ctx: Context = context.active()): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** The context a job's producer propagated, or the root context. */
export function extractTrace(carrier: TraceCarrier | undefined): Context {
  return carrier ? propagation.extract(context.active(), carrier) : context.active();
}

import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export interface Tracing {
  /** Whether spans are recorded and exported. */
  enabled: boolean;
  /** Flushes and stops exporting; safe to call twice. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** The process environment: the standard `OTEL_*` variables decide whether and where to export. */
  env: Record<string, string | undefined>;
  /** Tests pass an in-memory exporter (with a simple processor) instead of OTLP. */
  processor?: SpanProcessor;
}

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_SDK_DISABLED` is not `true`. Otherwise it installs
 * nothing, and the API's no-op tracer makes every span call nearly free. The SDK itself is loaded
 * only when tracing is on, so a process without it does not pay for it in memory either.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { env } = options;
  const configured = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (
    !options.processor &&
    (!configured || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none')
  ) {
    return { enabled: false, shutdown: async () => {} };
  }
  const processor =
    options.processor ?? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() as SpanExporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || options.serviceName }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => {
      stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        propagation.disable();
        context.disable();
      });
      return stopped;
    },
  };
}

import { context, DiagLogLevel, diag, ProxyTracerProvider, propagation, trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';

export interface Tracing {
  /** Whether spans are recorded and exported. */
  enabled: boolean;
  /** Flushes and stops exporting; safe to call twice. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `service.name`, unless `OTEL_SERVICE_NAME` or `service.name` in `OTEL_RESOURCE_ATTRIBUTES` says otherwise. */
  serviceName: string;
  /**
   * The process environment. It decides whether tracing starts (see {@link tracingRequested}); once
   * started, the OpenTelemetry SDK reads its own settings from `process.env`.
   */
  env: Record<string, string | undefined>;
  /** Tests pass an in-memory exporter (with a simple processor) instead of OTLP; it starts tracing regardless of `env`. */
  processor?: SpanProcessor;
}

const OFF: Tracing = { enabled: false, shutdown: async () => {} };

/**
 * Tracing is on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), `OTEL_SDK_DISABLED` is not `true`, and `OTEL_TRACES_EXPORTER`
 * does not list `none`. Requiring an endpoint keeps a laptop run from retrying exports to a collector
 * that is not there.
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  return Boolean(endpoint) && !disabled && !exporters.includes('none');
}

/** The provider behind the API's global proxy, to tell whether the SDK registered one. */
function registeredProvider(): unknown {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
}

/**
 * The SDK's console logger prints `info` and `debug` with `console.info`/`console.debug`, which is stdout,
 * in between the app's JSON log lines. Once the SDK has started, its messages go to stderr instead, at
 * the level `OTEL_LOG_LEVEL` sets (default `info`, as the SDK's).
 */
function sendDiagnosticsToStderr(level: string | undefined): void {
  const write = (message: string, ...args: unknown[]) => console.error(message, ...args);
  const named: unknown = DiagLogLevel[(level?.trim().toUpperCase() || 'INFO') as keyof typeof DiagLogLevel];
  diag.setLogger(
    { error: write, warn: write, info: write, debug: write, verbose: write },
    { logLevel: typeof named === 'number' ? named : DiagLogLevel.INFO, suppressOverrideMessage: true },
  );
}

/**
 * Starts OpenTelemetry tracing through the SDK's own environment-driven setup (`startNodeSdk` from
 * `@opentelemetry/sdk-node`), so every standard `OTEL_*` variable means what the OpenTelemetry
 * specification says: `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER`/`_ARG`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_SERVICE_NAME`, `OTEL_PROPAGATORS`, `OTEL_EXPORTER_OTLP_*` (endpoint, headers, timeout,
 * compression, and protocol: `http/protobuf` by default, `http/json` or `grpc`), span limits and
 * `OTEL_LOG_LEVEL`. Only traces are set up: metrics are Prometheus (prom-client) and logs are pino.
 *
 * When tracing is not requested, nothing is installed and the API's no-op tracer makes every span call
 * nearly free. The SDK is imported only in the enabled branch, so a process without tracing never
 * loads it (loaded, it adds about 20 MB to the idle ingest's RSS).
 *
 * @example
 * const tracing = await startTracing({ serviceName: 'clerk-sync-ingest', env: process.env });
 * process.once('SIGTERM', () => void tracing.shutdown());
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.processor && !tracingRequested(options.env)) return OFF;
  const [{ startNodeSdk }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
  ]);
  const before = registeredProvider();
  const sdk = startNodeSdk({
    // The lowest-priority attributes: the SDK's detectors and OTEL_RESOURCE_ATTRIBUTES override them.
    baseResource: defaultResource().merge(resourceFromAttributes({ 'service.name': options.serviceName })),
    ...(options.processor ? { spanProcessors: [options.processor] } : {}),
    metricReaders: [],
    logRecordProcessors: [],
  });
  // The SDK declines to start (OTEL_SDK_DISABLED, or a setting it cannot use) by registering no provider.
  if (registeredProvider() === before) {
    await sdk.shutdown();
    return OFF;
  }
  sendDiagnosticsToStderr(options.env.OTEL_LOG_LEVEL);
  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= sdk.shutdown().finally(() => {
      trace.disable();
      propagation.disable();
      context.disable();
      diag.disable();
    });
    return stopped;
  };
  return { enabled: true, shutdown };
}

export { extractTrace, injectTrace, type TraceCarrier } from './carrier.js';
export { LOG_LEVELS, type LogEnv, logEnv } from './log-env.js';
export { type MetricsServer, type MetricsSource, serveMetrics } from './metrics-server.js';
export { attributes, MESSAGING_SYSTEM, metricNames, spanNames } from './names.js';
export { createShutdown, type Shutdown, ShutdownError, type ShutdownLogger } from './shutdown.js';
export { traced } from './traced.js';
export { startTracing, type Tracing, type TracingOptions } from './tracing.js';

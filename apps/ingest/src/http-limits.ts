import type { Server, ServerOptions } from 'node:http';

export interface HttpLimits {
  /** Time to receive a whole request, headers and body; Svix itself gives up after 15 s. */
  requestTimeoutMs: number;
  /** Time to receive the headers; at most `requestTimeoutMs`, as Node requires. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as they arrive. */
  maxConnections: number;
}

/**
 * Node's options for the webhook listener. Node's defaults suit a trusted client, not the internet:
 * 300 s to send a request and a check of those timers only every 30 s, so a client trickling a byte at
 * a time holds its connection for minutes. Here the timers are checked every second.
 * Throws when the timeouts contradict each other, naming the variables.
 */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
}

/** Caps concurrent connections; Node drops the ones over the cap at once, before any parsing. */
export function capConnections(server: Pick<Server, 'maxConnections'>, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}

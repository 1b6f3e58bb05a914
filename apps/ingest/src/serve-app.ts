import type { ServerOptions } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { capConnections, type HttpLimits } from './http-limits.js';

export interface AppServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /**
   * Stops accepting connections and resolves once the open ones have ended. Requests in flight get
   * `graceMs` to finish before their connections are cut; with 0, they are cut at once.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Serves a Hono app on Node with the edge's timeouts and connection cap; resolves once it listens,
 * rejects if it cannot bind.
 */
export function serveApp(
  fetch: Hono['fetch'],
  options: { port: number; hostname: string; limits: HttpLimits; serverOptions: ServerOptions },
): Promise<AppServer> {
  const { port, hostname, limits, serverOptions } = options;
  return new Promise<AppServer>((resolve, reject) => {
    const server = serve({ fetch, port, hostname, serverOptions }, (info) =>
      resolve({ port: info.port, close: (graceMs) => closeServer(server, graceMs) }),
    );
    server.once('error', reject);
    capConnections(server, limits);
  });
}

async function closeServer(server: ServerType, graceMs: number): Promise<void> {
  const cutAll = () => {
    if ('closeAllConnections' in server) server.closeAllConnections();
  };
  if (graceMs <= 0) cutAll();
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  const force = graceMs > 0 ? setTimeout(cutAll, graceMs) : undefined;
  await stopped;
  clearTimeout(force);
}

import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The body was larger than allowed; nothing past the limit was buffered. */
export const TOO_LARGE = Symbol('too large');

/**
 * Reads the raw body as UTF-8, refusing it as soon as it exceeds `limit` bytes: at once when
 * `content-length` says so, otherwise while streaming (chunked bodies). On @hono/node-server it reads
 * the Node request directly, which avoids building a web ReadableStream per request (the profile's
 * largest avoidable cost on the hot path); elsewhere (tests with `app.request`) it reads the web body.
 */
export async function readBody(c: Context, limit: number): Promise<string | typeof TOO_LARGE> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > limit) return TOO_LARGE;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (incoming) {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        incoming.resume();
        return TOO_LARGE;
      }
      chunks.push(chunk);
    }
  } else if (c.req.raw.body) {
    const reader = c.req.raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

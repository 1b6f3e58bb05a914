import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The body was larger than allowed; nothing past the limit was buffered. */
export const TOO_LARGE = Symbol('too large');
/** The client went away (or the server's request timeout closed it) before the body was complete. */
export const ABORTED = Symbol('aborted');

export type BodyResult = Buffer | typeof TOO_LARGE | typeof ABORTED;

/**
 * True when `content-length` already says the body is over `limit`, so the request can be refused
 * without reading any of it.
 */
export function declaresTooLarge(c: Context, limit: number): boolean {
  const declared = Number(c.req.header('content-length'));
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Up to this size, an unread body is drained after the answer (read and dropped, never buffered), so
 * that the sender reliably receives the answer. Past it, the connection is closed instead: a socket
 * closed with data still unread is reset, which can swallow the answer, but reading a large body only
 * to drop it is what a hostile client wants.
 */
export const DRAIN_MAX_BYTES = 64 * 1024;

/**
 * True when the request announces a body too large to drain, or of unknown size (chunked; in memory
 * with `app.request`, any stream).
 */
export function declaresLargeBody(c: Context): boolean {
  const length = c.req.header('content-length');
  if (length !== undefined) return Number(length) > DRAIN_MAX_BYTES;
  if (c.req.header('transfer-encoding') !== undefined) return true;
  return nodeRequest(c) === undefined && c.req.raw.body !== null;
}

function nodeRequest(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/**
 * Reads the raw body bytes, refusing it as soon as it exceeds `limit` bytes: at once when
 * `content-length` says so, otherwise while streaming (chunked bodies). The signature covers these
 * exact bytes. On @hono/node-server it reads the Node request directly, which avoids building a web
 * ReadableStream per request (the profile's largest avoidable cost on the hot path); elsewhere (tests
 * with `app.request`) it reads the web body.
 */
export async function readBody(c: Context, limit: number): Promise<BodyResult> {
  if (declaresTooLarge(c, limit)) return TOO_LARGE;
  const incoming = nodeRequest(c);
  if (incoming) return await readIncoming(incoming, limit);
  const body = new BodyBuffer(limit);
  if (c.req.raw.body) {
    const reader = c.req.raw.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!body.append(value)) {
          await reader.cancel();
          return TOO_LARGE;
        }
      }
    } catch {
      return ABORTED;
    }
  }
  return body.bytes();
}

/**
 * Reads a Node request with listeners rather than `for await`: leaving an async iterator early
 * destroys the request and its socket, and the 413 would never be sent. Past the limit it stops
 * reading and leaves the rest unread; the caller's `Connection: close` ends the socket.
 */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<BodyResult> {
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve) => {
    const body = new BodyBuffer(limit);
    const done = (result: BodyResult) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (!body.append(chunk)) {
        incoming.pause();
        done(TOO_LARGE);
      }
    };
    const onEnd = () => done(body.bytes());
    const onAbort = () => done(ABORTED);
    incoming.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

const SEGMENT_BYTES = 16 * 1024;

/**
 * Collects a body. A chunk of 16 KiB or more is kept as it is; smaller ones are copied into 16 KiB
 * segments. Keeping every chunk would let a client that sends a chunked body one byte per chunk
 * turn 256 KiB into 262,144 tiny buffers, each holding on to the socket's read buffer: measured,
 * 20 such bodies took 1.6 GiB. This way a body costs about its size, however it is chunked.
 */
class BodyBuffer {
  private readonly parts: Buffer[] = [];
  private segment: Buffer | undefined;
  private used = 0;
  private size = 0;

  constructor(private readonly limit: number) {}

  /** Adds a chunk; false once the body is over the limit (nothing past it is kept). */
  append(chunk: Uint8Array): boolean {
    this.size += chunk.length;
    if (this.size > this.limit) return false;
    if (chunk.length >= SEGMENT_BYTES) {
      this.seal();
      this.parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      return true;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.segment || this.used === this.segment.length) {
        this.seal();
        this.segment = Buffer.allocUnsafe(SEGMENT_BYTES);
      }
      const n = Math.min(chunk.length - offset, this.segment.length - this.used);
      this.segment.set(chunk.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
    }
    return true;
  }

  /** The bytes received, in one buffer. */
  bytes(): Buffer {
    this.seal();
    return this.parts.length === 1 && this.parts[0] ? this.parts[0] : Buffer.concat(this.parts, this.size);
  }

  private seal(): void {
    if (this.segment && this.used > 0) this.parts.push(this.segment.subarray(0, this.used));
    this.segment = undefined;
    this.used = 0;
  }
}

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { traced } from './traced.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('traced-test');

beforeEach(() => exporter.reset());
afterAll(() => provider.shutdown());

/** The one span finished since the last reset. */
const only = (): ReadableSpan => {
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  const [span] = spans;
  if (!span) throw new Error('no finished span');
  return span;
};

describe('traced', () => {
  it('returns what fn returns and ends the span, with its options, attributes and an unset status', async () => {
    const result = await traced(
      tracer,
      'clerk.test_ok',
      { kind: SpanKind.PRODUCER, attributes: { 'clerk.event.type': 'user.created' } },
      async (span) => {
        span.setAttribute('clerk.apply.outcome', 'applied');
        return 42;
      },
    );
    expect(result).toBe(42);
    const span = only();
    expect(span.name).toBe('clerk.test_ok');
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.ended).toBe(true);
    expect(span.attributes).toEqual({ 'clerk.event.type': 'user.created', 'clerk.apply.outcome': 'applied' });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events).toEqual([]);
  });

  it('on a rejection records the exception, sets ERROR with its message, ends the span and rethrows it', async () => {
    const failure = new TypeError('postgres said no');
    const thrown = await traced(tracer, 'clerk.test_fail', {}, async () => {
      throw failure;
    }).catch((error: unknown) => error);
    expect(thrown).toBe(failure);
    const span = only();
    expect(span.ended).toBe(true);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'postgres said no' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.events[0]?.attributes).toMatchObject({
      'exception.type': 'TypeError',
      'exception.message': 'postgres said no',
    });
  });

  it('treats a synchronous throw from fn like a rejection', async () => {
    const fn = (): Promise<never> => {
      throw new Error('thrown before any await');
    };
    await expect(traced(tracer, 'clerk.test_sync', {}, fn)).rejects.toThrowError('thrown before any await');
    const span = only();
    expect(span.ended).toBe(true);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'thrown before any await' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('rethrows a thrown non-Error as it is, with its text as the status message', async () => {
    const thrown = await traced(tracer, 'clerk.test_string', {}, () => Promise.reject('plain text')).catch(
      (error: unknown) => error,
    );
    expect(thrown).toBe('plain text');
    const span = only();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain text' });
    expect(span.events[0]?.attributes).toMatchObject({ 'exception.message': 'plain text' });
  });

  it('keeps a status fn set itself when fn succeeds', async () => {
    await traced(tracer, 'clerk.test_5xx', {}, async (span) => {
      span.setStatus({ code: SpanStatusCode.ERROR });
    });
    const span = only();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events).toEqual([]);
  });

  it('parents the span on parentContext when one is given, and starts a new trace from the root context', async () => {
    const parent = tracer.startSpan('clerk.test_parent');
    await traced(tracer, 'clerk.test_child', {}, async () => {}, trace.setSpan(ROOT_CONTEXT, parent));
    parent.end();
    await traced(tracer, 'clerk.test_root', {}, async () => {}, ROOT_CONTEXT);
    const spans = exporter.getFinishedSpans();
    const child = spans.find((s) => s.name === 'clerk.test_child');
    const root = spans.find((s) => s.name === 'clerk.test_root');
    expect(child?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(root?.parentSpanContext).toBeUndefined();
    expect(root?.spanContext().traceId).not.toBe(parent.spanContext().traceId);
  });
});

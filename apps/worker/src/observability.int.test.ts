import { randomUUID } from 'node:crypto';
import { saveDriftReport } from '@clerk-sync/db';
import { uniqueSchema } from '@clerk-sync/db/testing';
import { attributes, startTracing, type Tracing } from '@clerk-sync/telemetry';
import { makeEvent } from '@clerk-sync/testkit';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../test/harness.js';

describe('one trace from request to row', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let h: Harness;
  beforeAll(async () => {
    tracing = await startTracing({
      serviceName: 'test',
      env: {},
      processor: new SimpleSpanProcessor({ exporter }),
    });
    h = await startHarness({ backend: 'postgres', workerEnv: { BATCH_WAIT_MS: '5' } });
  });
  afterAll(async () => {
    await h?.close();
    await tracing?.shutdown();
  });

  it('links ingest, producer, consumer, batch and database spans in one parent chain', async () => {
    const svixId = `msg_${randomUUID()}`;
    const event = makeEvent(
      { kind: 'user', id: 'user_traced', createdAt: 1_760_000_000_000 },
      'created',
      1_760_000_000_000,
    );
    expect(await h.deliver(event, svixId)).toBe(202);
    const spanNamed = (predicate: (s: ReadableSpan) => boolean) =>
      exporter.getFinishedSpans().find(predicate);
    await waitFor(
      async () =>
        Boolean(spanNamed((s) => s.name === 'clerk.apply_batch')) &&
        Boolean(spanNamed((s) => s.kind === SpanKind.CONSUMER)),
      10_000,
      'the worker spans',
    );
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER);
    const batch = spans.find((s) => s.name === 'clerk.apply_batch');
    const db = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(server?.name).toBe('POST /webhooks/clerk');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/webhooks/clerk',
      'http.response.status_code': 202,
    });
    expect(producer?.attributes).toMatchObject({
      [attributes.messagingSystem]: 'bullmq',
      [attributes.destination]: h.queueName,
      [attributes.operationType]: 'send',
      [attributes.messageId]: svixId,
      [attributes.eventType]: 'user.created',
      [attributes.entityId]: 'user_traced',
    });
    expect(consumer?.attributes).toMatchObject({
      [attributes.operationType]: 'process',
      [attributes.messageId]: svixId,
      [attributes.outcome]: 'applied',
    });
    const traceId = server?.spanContext().traceId;
    for (const span of [producer, consumer, batch, ...db]) expect(span?.spanContext().traceId).toBe(traceId);
    expect(producer?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(batch?.parentSpanContext?.spanId).toBe(consumer?.spanContext().spanId);
    expect(batch?.links.map((l) => l.context.spanId)).toContain(consumer?.spanContext().spanId);
    expect(db.map((s) => s.name)).toEqual(expect.arrayContaining(['INSERT webhook_events', 'INSERT users']));
    for (const span of db) expect(span.parentSpanContext?.spanId).toBe(batch?.spanContext().spanId);
  });

  it('records the error on the consumer span when an event is invalid', async () => {
    const poison = makeEvent(
      { kind: 'user', id: 'user_bad_trace', createdAt: 1 },
      'created',
      1_760_000_000_000,
    );
    delete poison.data.created_at;
    const svixId = `msg_${randomUUID()}`;
    await h.deliver(poison, svixId);
    await waitFor(
      async () =>
        exporter
          .getFinishedSpans()
          .some((s) => s.kind === SpanKind.CONSUMER && s.attributes[attributes.messageId] === svixId),
      10_000,
      'the failed consumer span',
    );
    const span = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes[attributes.messageId] === svixId);
    expect(span?.status.code).toBe(2);
    expect(span?.events.some((e) => e.name === 'exception')).toBe(true);
  });
});

describe('worker metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts outcomes, batches and lag, and serves them in Prometheus format', async () => {
    const port = await h.worker.listenMetrics();
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const before = await scrape();
    for (const name of [
      'clerk_sync_events_total',
      'clerk_sync_apply_batch_duration_seconds',
      'clerk_sync_apply_batch_size',
      'clerk_sync_job_retries_total',
      'clerk_sync_dead_lettered_total',
      'clerk_sync_end_to_end_lag_seconds',
      'clerk_sync_queue_lag_seconds',
    ]) {
      expect(before).toContain(`# TYPE ${name}`);
    }
    const user = { kind: 'user' as const, id: 'user_metrics', createdAt: Date.now() };
    await h.deliver(makeEvent(user, 'created', Date.now()), 'msg_metrics_1');
    await h.deliver(makeEvent(user, 'created', Date.now() - 60_000), 'msg_metrics_2');
    await waitFor(
      async () => (await scrape()).includes('clerk_sync_events_total{outcome="stale"} 1'),
      10_000,
      'a stale count',
    );
    const after = await scrape();
    expect(after).toContain('clerk_sync_events_total{outcome="applied"} 1');
    expect(after).toMatch(/clerk_sync_apply_batch_size_count [12]/);
    expect(after).toMatch(/clerk_sync_queue_lag_seconds_count 1/);
  });

  it("serves the last reconcile's drift, read from the database when scraped", async () => {
    // The registry the listener of the previous test serves (a second listener would need another port).
    const scrape = () => h.worker.metrics.registry.metrics();
    const before = await scrape();
    expect(before).toContain('# TYPE clerk_sync_drift_rows gauge');
    expect(before).not.toMatch(/^clerk_sync_drift_rows\{/m);
    // 0 until a reconcile has run: an alert on the report's age fires for a copy never reconciled.
    expect(before).toMatch(/^clerk_sync_drift_report_timestamp_seconds 0$/m);
    await saveDriftReport(h.worker.database.db, [
      { entity: 'users', kind: 'gone', rows: 4 },
      { entity: 'memberships', kind: 'missing', rows: 2 },
    ]);
    await waitFor(
      async () => (await scrape()).includes('clerk_sync_drift_rows{entity="users",kind="gone"} 4'),
      5_000,
      'the stored drift',
    );
    const after = await scrape();
    expect(after).toContain('clerk_sync_drift_rows{entity="memberships",kind="missing"} 2');
    const at = Number(/^clerk_sync_drift_report_timestamp_seconds (\S+)$/m.exec(after)?.[1]);
    expect(Math.abs(at - Date.now() / 1000)).toBeLessThan(60);
  });
});

describe('drift with an instance in a schema of its own', () => {
  let h: Harness;
  const devSchema = uniqueSchema('drift_dev');
  beforeAll(async () => {
    h = await startHarness({
      backend: 'postgres',
      workerEnv: { CLERK_INSTANCES: `prod:ins_driftProd,dev:ins_driftDev:${devSchema}` },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('adds up every schema and reports the oldest report time, 0 while one schema has none', async () => {
    const scrape = () => h.worker.metrics.registry.metrics();
    await saveDriftReport(h.worker.database.db, [{ entity: 'users', kind: 'gone', rows: 4 }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const one = await scrape();
    expect(one).toContain('clerk_sync_drift_rows{entity="users",kind="gone"} 4');
    expect(one).toMatch(/^clerk_sync_drift_report_timestamp_seconds 0$/m);

    await saveDriftReport(h.worker.database.inSchema(devSchema), [
      { entity: 'users', kind: 'gone', rows: 3 },
      { entity: 'roles', kind: 'missing', rows: 1 },
    ]);
    await waitFor(
      async () => (await scrape()).includes('clerk_sync_drift_rows{entity="users",kind="gone"} 7'),
      5_000,
      'the drift of both schemas',
    );
    const both = await scrape();
    expect(both).toContain('clerk_sync_drift_rows{entity="roles",kind="missing"} 1');
    const at = Number(/^clerk_sync_drift_report_timestamp_seconds (\S+)$/m.exec(both)?.[1]);
    expect(Math.abs(at - Date.now() / 1000)).toBeLessThan(60);
  });
});

import { metricNames } from '@clerk-sync/telemetry';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchReport } from './batcher.js';

/** The last reconcile's drift, as `readDriftReport` reads it from Postgres. */
export interface DriftSnapshot {
  counts: ReadonlyArray<{ entity: string; kind: string; rows: number }>;
  reportedAt: Date | undefined;
}

export interface WorkerMetricsOptions {
  /**
   * Reads the drift the last `clerk-sync reconcile` stored; called on scrape (at most once a second).
   * Without it, the drift gauges are not registered.
   */
  readDrift?: () => Promise<DriftSnapshot>;
}

export interface WorkerMetrics {
  registry: Registry;
  onBatch(report: BatchReport): void;
  onRetry(): void;
  /** A job whose lock had expired was moved back to wait by this worker's stalled check. */
  onStalled(): void;
  onDeadLetter(): void;
  /** After each dead-letter sweep: letters still held, and letters just deleted for age. */
  onDeadLetterSweep(held: number, expired: number): void;
  /** After each retention batch: rows deleted from `table`. */
  onPruned(table: string, rows: number): void;
}

const seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics for the apply side: events by outcome, batch latency and size, retries, dead
 * letters, and two lags — from the change in Clerk (the event's version) and from the ingest's
 * acceptance (`receivedAt`) to the commit.
 */
export function createWorkerMetrics(options: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clerk_sync_worker_' });
  if (options.readDrift) driftInstruments(registry, options.readDrift);
  const apply = applyInstruments(registry);
  const failures = failureInstruments(registry);
  const pruned = new Counter({
    name: metricNames.prunedRows,
    help: 'Rows deleted by the retention sweep, by table (RETENTION_* settings).',
    labelNames: ['table'] as const,
    registers: [registry],
  });
  return {
    registry,
    onBatch: (report) => observeBatch(apply, report),
    onRetry: () => failures.retries.inc(),
    onStalled: () => failures.stalled.inc(),
    onDeadLetter: () => failures.dead.inc(),
    onDeadLetterSweep(count, removed) {
      failures.held.set(count);
      if (removed > 0) failures.expired.inc(removed);
    },
    onPruned: (table, rows) => pruned.inc({ table }, rows),
  };
}

/** Outcomes, batch latency and size, and the two lags. */
function applyInstruments(registry: Registry) {
  const events = new Counter({
    name: metricNames.eventsApplied,
    help: 'Events by apply outcome (applied, stale, duplicate, ignored, conflict: another instance owns the row), and failed: attempts whose batch or event failed.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: metricNames.applyDuration,
    help: 'Time to apply one batch in one transaction, in seconds.',
    buckets: seconds,
    registers: [registry],
  });
  const size = new Histogram({
    name: metricNames.batchSize,
    help: 'Events per applied batch.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const lag = new Histogram({
    name: metricNames.endToEndLag,
    help: "Seconds from the change in Clerk (the event's version) to its commit here.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const queueLag = new Histogram({
    name: metricNames.queueLag,
    help: 'Seconds from the ingest accepting an event to its commit.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  return { events, duration, size, lag, queueLag };
}

/** Retries, stalled jobs and dead letters: moved, held and expired. */
function failureInstruments(registry: Registry) {
  const retries = new Counter({
    name: metricNames.retries,
    help: 'Failed attempts that will be retried.',
    registers: [registry],
  });
  const stalled = new Counter({
    name: metricNames.stalled,
    help: 'Jobs whose lock expired before they finished (worker killed, or its event loop blocked past the lock), moved back to wait by a stalled check; each runs again.',
    registers: [registry],
  });
  const dead = new Counter({
    name: metricNames.deadLettered,
    help: 'Jobs moved to the dead-letter queue.',
    registers: [registry],
  });
  const held = new Gauge({
    name: metricNames.deadLettersHeld,
    help: 'Dead letters held in Redis, as of the last sweep.',
    registers: [registry],
  });
  const expired = new Counter({
    name: metricNames.deadLettersExpired,
    help: 'Dead letters deleted unreplayed because they outlived DEAD_LETTER_TTL_MS.',
    registers: [registry],
  });
  return { retries, stalled, dead, held, expired };
}

function observeBatch(m: ReturnType<typeof applyInstruments>, report: BatchReport): void {
  if (report.failed > 0) m.events.inc({ outcome: 'failed' }, report.failed);
  if (report.results.length === 0) return;
  m.duration.observe(report.seconds);
  m.size.observe(report.size);
  const now = Date.now();
  const bySvixId = new Map(report.events.map((e) => [e.svixId, e]));
  for (const { svixId, outcome } of report.results) {
    m.events.inc({ outcome });
    const event = bySvixId.get(svixId);
    if (outcome !== 'applied' || !event) continue;
    if (event.version !== null) m.lag.observe(Math.max(0, now - event.version) / 1000);
    m.queueLag.observe(Math.max(0, now - event.receivedAt) / 1000);
  }
}

/**
 * `clerk_sync_drift_rows{entity,kind}` and the time of the report, read from Postgres when scraped:
 * the reconcile is a one-shot process (a CronJob), so the long-running worker serves what it stored.
 * A failed read keeps the values of the last good one, so a scrape never fails for it.
 */
function driftInstruments(registry: Registry, readDrift: () => Promise<DriftSnapshot>): void {
  let last: { at: number; read: Promise<DriftSnapshot | undefined> } | undefined;
  const load = () => {
    const now = Date.now();
    if (!last || now - last.at > 1000) last = { at: now, read: readDrift().catch(() => undefined) };
    return last.read;
  };
  new Gauge({
    name: metricNames.driftRows,
    help: 'Rows the last clerk-sync reconcile found drifting, by entity and kind (missing, outdated, gone, deleted_locally).',
    labelNames: ['entity', 'kind'] as const,
    registers: [registry],
    async collect() {
      const snapshot = await load();
      if (!snapshot) return;
      this.reset();
      for (const c of snapshot.counts) this.set({ entity: c.entity, kind: c.kind }, c.rows);
    },
  });
  new Gauge({
    name: metricNames.driftReportedAt,
    help: 'Unix time in seconds of the last clerk-sync reconcile report; 0 before the first one.',
    registers: [registry],
    async collect() {
      const at = (await load())?.reportedAt;
      if (at) this.set(at.getTime() / 1000);
    },
  });
}

import type { ApplyResult } from '@clerk-sync/db';
import type { PreparedEvent } from '@clerk-sync/events';
import { UnrecoverableError } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type BatchReport } from './batcher.js';
import { createWorkerMetrics } from './metrics.js';

const event = (i: number): PreparedEvent => ({
  svixId: `msg_${i}`,
  receivedAt: 0,
  type: 'user.updated',
  entityKey: `user:user_${i}`,
  entityId: `user_${i}`,
  version: 1_760_000_000_000 + i,
  eventTs: 1_760_000_000_000 + i,
  instanceId: 'ins_test',
  handled: null,
});

/**
 * An apply step that, like a conversion bug in one event's data, throws a non-database error for any
 * batch containing `poison`; otherwise every event is applied.
 */
function applyFailingOn(poison: string, error: () => Error) {
  const calls: string[][] = [];
  const apply = async (events: PreparedEvent[]): Promise<ApplyResult[]> => {
    calls.push(events.map((e) => e.svixId));
    if (events.some((e) => e.svixId === poison)) throw error();
    return events.map((e) => ({ svixId: e.svixId, outcome: 'applied' as const }));
  };
  return { apply, calls };
}

async function submitAll(batcher: Batcher, n: number) {
  const submitted = Array.from({ length: n }, (_, i) => batcher.submit(event(i)));
  await batcher.drain();
  return await Promise.allSettled(submitted);
}

/**
 * An apply step whose batches stay open until the test finishes them, as a slow transaction would:
 * `calls` lists each batch's svix-ids, and `finish(i)` commits batch `i` with every event applied.
 */
function heldApply() {
  const calls: string[][] = [];
  const pending: Array<{ finish: () => void; fail: (error: Error) => void }> = [];
  const apply = (events: PreparedEvent[]): Promise<ApplyResult[]> =>
    new Promise((resolve, reject) => {
      calls.push(events.map((e) => e.svixId));
      pending.push({
        finish: () => resolve(events.map((e) => ({ svixId: e.svixId, outcome: 'applied' as const }))),
        fail: reject,
      });
    });
  const finish = (i: number) => {
    const batch = pending[i];
    if (!batch) throw new Error(`no batch #${i}`);
    batch.finish();
  };
  return { apply, calls, finish };
}

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `msg_${from + i}`);

/** Lets promise callbacks run without moving the fake clock past its current time. */
const turn = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher timing', () => {
  it('sends what arrives in one turn of the event loop as one batch when nothing is being written', async () => {
    const { apply, calls } = heldApply();
    const batcher = new Batcher({ max: 10, waitMs: 50, apply });
    for (let i = 0; i < 3; i++) void batcher.submit(event(i));
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual([ids(0, 3)]);
  });

  it('sends a batch as soon as max events wait, without waiting for the timer', async () => {
    const { apply, calls } = heldApply();
    const batcher = new Batcher({ max: 3, waitMs: 50, apply });
    void batcher.submit(event(0));
    await turn();
    expect(calls).toEqual([['msg_0']]);
    void batcher.submit(event(1));
    void batcher.submit(event(2));
    expect(calls).toHaveLength(1);
    void batcher.submit(event(3));
    expect(calls).toEqual([['msg_0'], ids(1, 4)]);
  });

  it('gathers events for waitMs while a batch is being written, then sends them', async () => {
    const { apply, calls } = heldApply();
    const batcher = new Batcher({ max: 10, waitMs: 50, apply });
    void batcher.submit(event(0));
    await turn();
    void batcher.submit(event(1));
    await vi.advanceTimersByTimeAsync(30);
    void batcher.submit(event(2));
    await vi.advanceTimersByTimeAsync(19);
    expect(calls).toEqual([['msg_0']]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([['msg_0'], ids(1, 3)]);
  });

  it('sends what gathered as soon as the batch being written commits, without waiting out waitMs', async () => {
    const { apply, calls, finish } = heldApply();
    const batcher = new Batcher({ max: 10, waitMs: 1000, apply });
    const first = batcher.submit(event(0));
    await turn();
    void batcher.submit(event(1));
    void batcher.submit(event(2));
    await vi.advanceTimersByTimeAsync(10);
    finish(0);
    expect((await first).outcome).toBe('applied');
    await turn();
    expect(calls).toEqual([['msg_0'], ids(1, 3)]);
    // The gathering timer was cancelled: nothing else leaves when it would have fired.
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(2);
  });

  it('never puts more than max events in one batch, and sends every event once, in order', async () => {
    const { apply, calls, finish } = heldApply();
    const batcher = new Batcher({ max: 4, waitMs: 50, apply });
    const outcomes = Array.from({ length: 10 }, (_, i) => batcher.submit(event(i)));
    await vi.advanceTimersByTimeAsync(50);
    for (let i = 0; i < calls.length; i++) finish(i);
    expect((await Promise.all(outcomes)).map((r) => r.outcome)).toEqual(Array(10).fill('applied'));
    for (const batch of calls) expect(batch.length).toBeLessThanOrEqual(4);
    expect(calls.flat()).toEqual(ids(0, 10));
  });

  it('drains: sends what waits at once, and resolves only when every batch under way has committed', async () => {
    const { apply, calls, finish } = heldApply();
    const batcher = new Batcher({ max: 10, waitMs: 60_000, apply });
    void batcher.submit(event(0));
    await turn();
    void batcher.submit(event(1));
    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    expect(calls).toEqual([['msg_0'], ['msg_1']]);
    finish(1);
    await turn();
    expect(drained).toBe(false);
    finish(0);
    await draining;
    expect(drained).toBe(true);
  });

  it('drains at once when nothing is waiting or being written', async () => {
    const { apply, calls } = heldApply();
    const batcher = new Batcher({ max: 10, waitMs: 50, apply });
    await batcher.drain();
    expect(calls).toEqual([]);
  });

  it('reports how long the batch took, on the clock it was written by', async () => {
    const { apply, finish } = heldApply();
    const reports: BatchReport[] = [];
    const batcher = new Batcher({ max: 10, waitMs: 50, apply, onBatch: (r) => reports.push(r) });
    const done = batcher.submit(event(0));
    await turn();
    await vi.advanceTimersByTimeAsync(250);
    finish(0);
    await done;
    expect(reports).toEqual([expect.objectContaining({ size: 1, failed: 0, isolated: false })]);
    expect(reports[0]?.seconds).toBeCloseTo(0.25, 6);
  });
});

describe('Batcher outcomes', () => {
  it("resolves each event with its own outcome from the batch's results", async () => {
    const outcomes: ApplyResult['outcome'][] = ['applied', 'stale', 'duplicate', 'ignored'];
    const apply = async (events: PreparedEvent[]): Promise<ApplyResult[]> =>
      events.map((e, i) => ({ svixId: e.svixId, outcome: outcomes[i] ?? 'applied' }));
    const batcher = new Batcher({ max: 4, waitMs: 5, apply });
    const settled = await submitAll(batcher, 4);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.outcome : s.reason))).toEqual(outcomes);
  });

  it('fails a lone event without splitting or retrying it in the batcher', async () => {
    const reports: BatchReport[] = [];
    const { apply, calls } = applyFailingOn('msg_0', () => new TypeError('bad data'));
    const batcher = new Batcher({ max: 10, waitMs: 5, apply, onBatch: (r) => reports.push(r) });
    const outcome = batcher.submit(event(0)).catch((error: unknown) => error);
    await batcher.drain();
    const error = await outcome;
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('event cannot be applied (TypeError): bad data');
    expect(calls).toEqual([['msg_0']]);
    expect(reports).toEqual([expect.objectContaining({ size: 1, isolated: false, failed: 1 })]);
  });

  it('applies the events of a split batch one at a time, in their order', async () => {
    const { apply, calls } = applyFailingOn('msg_1', () => new RangeError('Invalid time value'));
    const batcher = new Batcher({ max: 3, waitMs: 5, apply });
    await submitAll(batcher, 3);
    expect(calls).toEqual([ids(0, 3), ['msg_0'], ['msg_1'], ['msg_2']]);
  });

  it('fails only the event whose conversion throws a RangeError; its 9 neighbours are applied', async () => {
    const reports: BatchReport[] = [];
    const { apply } = applyFailingOn('msg_4', () => new RangeError('Invalid time value'));
    const batcher = new Batcher({ max: 10, waitMs: 5, apply, onBatch: (r) => reports.push(r) });
    const settled = await submitAll(batcher, 10);

    const rejected = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ i, reason: s.reason }] : []));
    expect(rejected.map((r) => r.i)).toEqual([4]);
    const reason: unknown = rejected[0]?.reason;
    expect(reason).toBeInstanceOf(UnrecoverableError);
    expect(reason instanceof Error && reason.message).toBe(
      'event cannot be applied (RangeError): Invalid time value',
    );
    expect(settled.filter((s) => s.status === 'fulfilled' && s.value.outcome === 'applied')).toHaveLength(9);
    expect(reports).toEqual([
      expect.objectContaining({ size: 10, isolated: true, failed: 1, error: 'Invalid time value' }),
    ]);
    expect(reports[0]?.results).toHaveLength(9);
  });

  it('retries the whole batch, without splitting it, when Postgres is unreachable', async () => {
    const reports: BatchReport[] = [];
    const { apply, calls } = applyFailingOn('msg_0', () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    );
    const batcher = new Batcher({ max: 5, waitMs: 5, apply, onBatch: (r) => reports.push(r) });
    const settled = await submitAll(batcher, 5);

    expect(calls).toHaveLength(1);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      if (s.status === 'rejected') expect(s.reason).not.toBeInstanceOf(UnrecoverableError);
    }
    expect(reports).toEqual([
      expect.objectContaining({
        size: 5,
        isolated: false,
        failed: 5,
        results: [],
        error: expect.stringContaining('ECONNREFUSED'),
      }),
    ]);
  });

  it('reports a batch that applied everything with no failures', async () => {
    const reports: BatchReport[] = [];
    const { apply } = applyFailingOn('none', () => new Error('unused'));
    const batcher = new Batcher({ max: 3, waitMs: 5, apply, onBatch: (r) => reports.push(r) });
    await submitAll(batcher, 3);
    expect(reports).toEqual([expect.objectContaining({ size: 3, isolated: false, failed: 0 })]);
    expect(reports[0]).not.toHaveProperty('error');
  });

  it('counts the events of a failed batch as failed in the worker metrics', async () => {
    const metrics = createWorkerMetrics();
    const { apply } = applyFailingOn('msg_0', () =>
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    );
    const batcher = new Batcher({ max: 4, waitMs: 5, apply, onBatch: (r) => metrics.onBatch(r) });
    await submitAll(batcher, 4);
    const text = await metrics.registry.metrics();
    expect(text).toContain('clerk_sync_events_total{outcome="failed"} 4');
  });
});

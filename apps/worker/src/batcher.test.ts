import type { ApplyResult } from '@clerk-sync/db';
import type { PreparedEvent } from '@clerk-sync/events';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
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
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => batcher.submit(event(i))));
  await batcher.drain();
  return settled;
}

describe('Batcher', () => {
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
    expect(settled.filter((s) => s.status === 'fulfilled' && s.value === 'applied')).toHaveLength(9);
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

import { metricNames } from '@clerk-sync/telemetry';
import { describe, expect, it } from 'vitest';
import { createWorkerMetrics } from './metrics.js';

describe('worker dead-letter metrics', () => {
  it('reports the letters held after the last sweep and adds up the ones expired', async () => {
    const metrics = createWorkerMetrics();
    metrics.onDeadLetterSweep(7, 3);
    metrics.onDeadLetterSweep(4, 0);
    metrics.onDeadLetterSweep(2, 2);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`\n${metricNames.deadLettersHeld} 2\n`);
    expect(text).toContain(`\n${metricNames.deadLettersExpired} 5\n`);
  });

  describe('worker stalled-job metric', () => {
    it('counts each job moved back to wait by a stalled check', async () => {
      const metrics = createWorkerMetrics();
      expect(await metrics.registry.metrics()).toContain(`\n${metricNames.stalled} 0\n`);
      metrics.onStalled();
      metrics.onStalled();
      expect(await metrics.registry.metrics()).toContain(`\n${metricNames.stalled} 2\n`);
    });
  });
});

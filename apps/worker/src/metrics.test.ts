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
});

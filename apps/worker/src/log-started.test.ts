import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from './env.js';
import { logStarted } from './log-started.js';

function linesFor(vars: Record<string, string>) {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const record = (level: string) => (fields: object, message: string) => {
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  };
  logStarted(readWorkerEnv(vars), { info: record('info'), warn: record('warn') } as never);
  return lines;
}

describe('logStarted', () => {
  it('logs the settings in force, and no warning with the defaults (two batches, ten connections)', () => {
    const lines = linesFor({});
    expect(lines).toEqual([
      {
        level: 'info',
        fields: { queue: 'clerk-events', concurrency: 400, batchMax: 200 },
        message: 'worker started',
      },
    ]);
  });

  it('warns when the jobs taken at once fill more batches than the pool has connections', () => {
    const lines = linesFor({ WORKER_CONCURRENCY: '400', BATCH_MAX: '20', DB_POOL_SIZE: '10' });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: 'warn',
      fields: { concurrency: 400, batchMax: 20, batches: 20, poolSize: 10 },
    });
    expect(lines[1]?.message).toMatch(/DB_POOL_SIZE/);
  });

  it('does not warn when the batches fit the pool exactly', () => {
    expect(linesFor({ WORKER_CONCURRENCY: '100', BATCH_MAX: '10', DB_POOL_SIZE: '10' })).toHaveLength(1);
  });
});

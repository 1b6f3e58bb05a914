import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createShutdown, ShutdownError, type ShutdownLogger } from './shutdown.js';

function recordingLogger(): ShutdownLogger & {
  lines: { fields: Record<string, unknown>; message: string }[];
} {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return { lines, error: (fields, message) => lines.push({ fields, message }) };
}

describe('createShutdown', () => {
  it('runs the steps newest first, each finished before the next starts', async () => {
    const shutdown = createShutdown(recordingLogger());
    const events: string[] = [];
    for (const name of ['database', 'redis', 'worker']) {
      shutdown.add(name, async () => {
        events.push(`${name} start`);
        await sleep(5);
        events.push(`${name} end`);
      });
    }
    await shutdown.close();
    expect(events).toEqual([
      'worker start',
      'worker end',
      'redis start',
      'redis end',
      'database start',
      'database end',
    ]);
  });

  it('runs each step once however often close() is called, and every call gets the same run', async () => {
    const shutdown = createShutdown(recordingLogger());
    let runs = 0;
    shutdown.add('pool', async () => {
      runs += 1;
      await sleep(5);
    });
    const first = shutdown.close();
    const second = shutdown.close();
    expect(second).toBe(first);
    await Promise.all([first, second, shutdown.close()]);
    expect(runs).toBe(1);
  });

  it('logs a failing step by name, runs the rest, then rejects naming what failed', async () => {
    const logger = recordingLogger();
    const shutdown = createShutdown(logger);
    const closed: string[] = [];
    shutdown.add('database', () => {
      closed.push('database');
    });
    shutdown.add('queues', async () => {
      throw new Error('connection reset');
    });
    shutdown.add('metrics', () => {
      throw new Error('not running');
    });
    shutdown.add('worker', () => {
      closed.push('worker');
    });

    const error = await shutdown.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ShutdownError);
    expect((error as ShutdownError).failedSteps).toEqual(['metrics', 'queues']);
    expect(closed).toEqual(['worker', 'database']);
    expect(logger.lines).toEqual([
      { fields: { step: 'metrics', err: 'not running' }, message: 'shutdown step failed' },
      { fields: { step: 'queues', err: 'connection reset' }, message: 'shutdown step failed' },
    ]);
    // The failure is remembered, not re-run.
    await expect(shutdown.close()).rejects.toBe(error);
    expect(closed).toEqual(['worker', 'database']);
  });

  it('resolves at once when nothing was registered', async () => {
    await expect(createShutdown(recordingLogger()).close()).resolves.toBeUndefined();
  });

  it('closes a resource registered after close() began, once the earlier steps are done', async () => {
    const shutdown = createShutdown(recordingLogger());
    const events: string[] = [];
    shutdown.add('worker', async () => {
      await sleep(10);
      events.push('worker');
    });
    const first = shutdown.close();
    shutdown.add('metrics server', () => {
      events.push('metrics server');
    });
    await first;
    await shutdown.close();
    expect(events).toEqual(['worker', 'metrics server']);
  });

  it('does not leave a late step failure unhandled, and reports it to the next close()', async () => {
    const logger = recordingLogger();
    const shutdown = createShutdown(logger);
    await shutdown.close();
    shutdown.add('late', () => {
      throw new Error('boom');
    });
    // Nobody awaits the late step: vitest fails the run if its rejection goes unhandled meanwhile.
    await sleep(10);
    expect(logger.lines.map((l) => l.fields.step)).toEqual(['late']);
    await expect(shutdown.close()).rejects.toThrow('shutdown steps failed: late');
  });
});

/** What the closer logs with; a pino logger fits. */
export interface ShutdownLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

/** Thrown by {@link Shutdown.close} after every step ran, when one or more of them failed. */
export class ShutdownError extends Error {
  constructor(readonly failedSteps: readonly string[]) {
    super(`shutdown steps failed: ${failedSteps.join(', ')}`);
    this.name = 'ShutdownError';
  }
}

export interface Shutdown {
  /**
   * Registers how to close one resource, once, right after it is opened. A step added after
   * `close()` began runs as soon as the earlier ones are done, so nothing opened late is leaked.
   */
  add(name: string, step: () => void | Promise<void>): void;
  /**
   * Runs the steps one at a time, newest first, so a resource closes before whatever it depends on.
   * A failing step is logged and the rest still run; the promise then rejects with a
   * {@link ShutdownError} naming the failed steps. Idempotent: every call returns the same run.
   */
  close(): Promise<void>;
}

interface Step {
  name: string;
  run: () => void | Promise<void>;
}

/**
 * The one place a process closes what it opened. Each resource registers its close step when it is
 * opened; the same `close()` then serves a graceful stop and a start that failed half-way, so neither
 * path can forget a pool or close it twice.
 *
 * @example
 * const shutdown = createShutdown(logger);
 * const database = await openDatabase(config);
 * shutdown.add('database', () => database.close());
 * const worker = new Worker(name, processor, options);
 * shutdown.add('worker', () => worker.close()); // closes before the database
 * process.once('SIGTERM', () => void shutdown.close());
 */
export function createShutdown(logger: ShutdownLogger): Shutdown {
  const steps: Step[] = [];
  const failed: string[] = [];
  let closing: Promise<void> | undefined;

  const runStep = async (step: Step) => {
    try {
      await step.run();
    } catch (error) {
      failed.push(step.name);
      logger.error(
        { step: step.name, err: error instanceof Error ? error.message : String(error) },
        'shutdown step failed',
      );
    }
  };
  const settle = () => {
    if (failed.length > 0) throw new ShutdownError([...failed]);
  };

  return {
    add(name, run) {
      if (!closing) {
        steps.push({ name, run });
        return;
      }
      closing = closing
        .catch(() => {})
        .then(() => runStep({ name, run }))
        .then(settle);
      // Whoever calls close() next sees the outcome; until then a failure must not go unhandled.
      closing.catch(() => {});
    },
    close() {
      closing ??= (async () => {
        for (const step of steps.toReversed()) await runStep(step);
        settle();
      })();
      return closing;
    },
  };
}

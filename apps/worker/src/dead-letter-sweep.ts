import type { DeadLetters } from '@clerk-sync/queue';
import type { Logger } from './logger.js';
import type { WorkerMetrics } from './metrics.js';

export interface DeadLetterSweepOptions {
  deadLetters: Pick<DeadLetters, 'sweep' | 'expire' | 'held'>;
  metrics: Pick<WorkerMetrics, 'onDeadLetterSweep'>;
  logger: Logger;
  /** `DEAD_LETTER_SWEEP_MS`: time between sweeps. */
  intervalMs: number;
  /** `DEAD_LETTER_TTL_MS`: dead letters older than this are deleted. */
  ttlMs: number;
}

/**
 * Sweeps once now, then every `intervalMs`: moves failed jobs whose move to the dead letters was lost
 * (a crash, a Redis blip), deletes dead letters past their TTL, and reports how many are held. An
 * error in the first sweep rejects, failing the start; later ones are logged. Resolves with the
 * function that stops the timer; the timer never keeps the process alive.
 */
export async function startDeadLetterSweep(options: DeadLetterSweepOptions): Promise<() => void> {
  const { deadLetters, metrics, logger, ttlMs } = options;
  const sweep = async () => {
    const moved = await deadLetters.sweep();
    if (moved > 0) logger.warn({ moved }, 'moved failed jobs to dead letters');
    const expired = await deadLetters.expire(ttlMs);
    if (expired > 0) logger.warn({ expired, ttlMs }, 'deleted expired dead letters');
    metrics.onDeadLetterSweep(await deadLetters.held(), expired);
  };
  await sweep();
  const timer = setInterval(() => {
    sweep().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'dead-letter sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

import { pino } from 'pino';

/** The worker's logger: ids, types, outcomes and timings only; payload fields are never logged. */
export function createLogger(level: string) {
  return pino({
    name: 'clerk-sync-worker',
    level,
    redact: { paths: ['payload', 'event', 'data', '*.email', 'err.config'], censor: '[redacted]' },
  });
}

export type Logger = ReturnType<typeof createLogger>;

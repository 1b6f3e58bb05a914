import { pino } from 'pino';

/**
 * The ingest's structured logger. Request lines carry svix-id, type, outcome and latency only;
 * headers and bodies are never logged, and these paths are redacted in case one slips in.
 */
export function createLogger(level: string) {
  return pino({
    name: 'clerk-sync-ingest',
    level,
    redact: {
      paths: ['secret', 'secrets', 'headers', 'body', 'req.headers', '*.authorization', '*.email', 'event'],
      censor: '[redacted]',
    },
  });
}

export type Logger = ReturnType<typeof createLogger>;

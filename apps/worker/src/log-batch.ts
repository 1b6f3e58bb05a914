import type { ApplyOutcome } from '@clerk-sync/db';
import { redactFailureReason } from '@clerk-sync/queue';
import type { BatchReport } from './batcher.js';
import type { Logger } from './logger.js';

/**
 * One line per batch: size, time, outcome counts and, if some events failed, the redacted reason.
 * A batch none of whose events committed is logged as an error, not "applied", so alerts on logs see it.
 */
export function logBatch(logger: Logger, report: BatchReport): void {
  const line = {
    size: report.size,
    ms: Math.round(report.seconds * 1000),
    isolated: report.isolated,
    ...count(report),
    ...(report.failed > 0 ? { failed: report.failed, reason: redactFailureReason(report.error ?? '') } : {}),
  };
  if (report.results.length === 0 && report.failed > 0) logger.error(line, 'batch failed');
  else if (report.failed > 0) logger.warn(line, 'batch applied with failures');
  else logger.info(line, 'batch applied');
}

function count(report: BatchReport): Partial<Record<ApplyOutcome, number>> {
  const counts: Partial<Record<ApplyOutcome, number>> = {};
  for (const { outcome } of report.results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

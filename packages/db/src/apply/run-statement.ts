import { traced } from '@clerk-sync/telemetry';
import { SpanKind, trace } from '@opentelemetry/api';
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from '../database.js';

const tracer = trace.getTracer('clerk-sync-db');

/**
 * Runs one statement of the apply path inside a database client span. Its rows go as a single jsonb
 * parameter (`$1`), so a batch is one round trip whatever its size; `more` become `$2`, `$3`… (as
 * JSON too).
 */
export async function run<R>(
  trx: Transaction<Database>,
  text: string,
  rows: readonly unknown[],
  ...more: readonly unknown[]
): Promise<R[]> {
  const [operation = 'SQL', target = ''] = summary(text);
  return traced(
    tracer,
    `${operation} ${target}`.trim(),
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': operation,
        'db.collection.name': target,
        'db.operation.batch.size': rows.length,
      },
    },
    async () => {
      const params = [rows, ...more].map((p) => JSON.stringify(p));
      const result = await trx.executeQuery<R>(CompiledQuery.raw(text, params));
      return [...result.rows];
    },
  );
}

/** `INSERT "users"` from the statement text: operation and first table, for the span name. */
function summary(text: string): [string, string] {
  const match =
    /^\s*(?:WITH[\s\S]*?\)\s*)?(INSERT INTO|UPDATE|DELETE FROM)\s+(?:"[a-z0-9_]+"\.)?"([a-z_]+)"/.exec(text);
  return match ? [String(match[1]).split(' ')[0] ?? 'SQL', String(match[2])] : ['SQL', ''];
}

import {
  mayPruneAuditLog,
  openDatabase,
  type PrunedCounts,
  pruneExpired,
  retentionTables,
} from '@clerk-sync/db';
import { readWorkerEnv } from '../env.js';
import { prepareSchema } from '../prepare-schema.js';
import { type Command, EXIT, parseCommandArgs } from './command.js';

const usage = `usage: clerk-sync prune [--json]

Deletes rows past their retention, as the worker's sweep does every RETENTION_SWEEP_MS, in batches:
  webhook_events  WEBHOOK_EVENTS_RETENTION_DAYS (default 30)
  messages        MESSAGES_RETENTION_DAYS (default 90)
  sessions        SESSIONS_RETENTION_DAYS (default 90; finished sessions only)
  audit_log       AUDIT_LOG_RETENTION_DAYS (default 365)
  changes         CHANGES_RETENTION_DAYS (default 7; the change feed)
0 keeps a table forever. Only the owner role may prune the audit log (the writer role has no DELETE
on it): run this as the owner, for example from a nightly Job, to keep the audit log bounded.
  --json      print the counts as JSON`;

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'delete rows past their retention (the audit log too, as the owner)',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, { json: { type: 'boolean', default: false } });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const env = readWorkerEnv(environment, 'clerk-sync prune');
    const database = await openDatabase(env.db);
    try {
      await prepareSchema(database, env);
      const auditAllowed = await mayPruneAuditLog(database.db);
      const counts = await pruneExpired(database.db, env.retention, {
        onBatch: (c) => process.stderr.write(`\rpruned ${Object.values(c).reduce((a, b) => a + b, 0)} rows`),
      });
      const rows = Object.fromEntries(
        Object.entries(counts).map(([k, n]) => [retentionTables[k as keyof PrunedCounts], n]),
      );
      if (values.json) console.log(JSON.stringify({ pruned: rows, auditLogPruned: auditAllowed }));
      else {
        process.stderr.write('\n');
        for (const [table, n] of Object.entries(rows)) {
          const skipped = table === 'audit_log' && !auditAllowed && env.retention.auditLogDays !== undefined;
          console.log(
            `${table.padEnd(15)} ${skipped ? 'skipped: this role may not delete from it; run as the owner' : `${n} rows deleted`}`,
          );
        }
      }
      return EXIT.done;
    } finally {
      await database.close();
    }
  },
};

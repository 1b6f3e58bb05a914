import { createProgress } from '../backfill/progress.js';
import { runReconcile, type TypeDrift } from '../backfill/reconcile.js';
import { openClerkSession } from './clerk-session.js';
import { type Command, EXIT, parseCommandArgs } from './command.js';
import { safe } from './safe-text.js';
import { printTable } from './table.js';

const usage = `usage: clerk-sync reconcile [--apply] [--verbose]

Lists everything in Clerk and compares it with the local copy. Reports rows missing or older locally,
and live local rows that Clerk no longer has (each confirmed by id). Changes nothing unless --apply:
then it upserts the missing and older rows and tombstones the gone ones.
  --apply     fix the drift
  --verbose   print every drifting id
Needs CLERK_SECRET_KEY, like backfill. Exits 0 when the comparison ran, whether or not it found drift.`;

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'compare with Clerk and report (or --apply to repair) drift',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, {
      apply: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const { env, clerk, database, api } = await openClerkSession(environment, 'clerk-sync reconcile');
    try {
      const report = await runReconcile({
        db: database.db,
        api,
        privacy: env.privacy,
        maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
        apply: values.apply,
        pageSize: clerk.BACKFILL_PAGE_SIZE,
        progress: createProgress(process.stderr),
      });
      printDrift(report, values);
      const drift = report.reduce((n, d) => n + d.missing.length + d.outdated.length + d.gone.length, 0);
      if (!values.apply && drift > 0)
        console.log(`${drift} row(s) drifted; run \`clerk-sync reconcile --apply\` to fix them`);
      return EXIT.done;
    } finally {
      await database.close();
    }
  },
};

/** The drift table, and with --verbose every drifting id. */
function printDrift(report: TypeDrift[], options: { apply: boolean; verbose: boolean }): void {
  printTable([
    [
      'type',
      'in Clerk',
      'local',
      'missing',
      'outdated',
      'gone',
      'deleted locally',
      options.apply ? 'fixed' : 'fixable',
    ],
    ...report.map((d) => [
      d.name,
      d.inClerk,
      d.local,
      d.missing.length,
      d.outdated.length,
      d.gone.length,
      d.deletedLocally.length,
      options.apply ? d.applied : d.missing.length + d.outdated.length + d.gone.length,
    ]),
  ]);
  if (options.verbose) {
    for (const d of report) {
      for (const [what, ids] of Object.entries({
        missing: d.missing,
        outdated: d.outdated,
        gone: d.gone,
      })) {
        for (const id of ids) console.log(safe`${d.name}\t${what}\t${id}`);
      }
    }
  }
}

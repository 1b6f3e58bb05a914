import { parseArgs } from 'node:util';
import { createProgress } from '../backfill/progress.js';
import { runReconcile } from '../backfill/reconcile.js';
import { openClerkSession } from './clerk-session.js';
import { runCli } from './run-cli.js';
import { printTable } from './table.js';

const usage = `usage: pnpm reconcile [--apply] [--verbose]

Lists everything in Clerk and compares it with the local copy. Reports rows missing or older locally,
and live local rows that Clerk no longer has (each confirmed by id). Changes nothing unless --apply:
then it upserts the missing and older rows and tombstones the gone ones.
  --apply     fix the drift
  --verbose   print every drifting id`;

async function main(): Promise<number> {
  let values: { apply: boolean; verbose: boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        apply: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const { env, clerk, database, api } = await openClerkSession();
  try {
    const report = await runReconcile({
      db: database.db,
      api,
      privacy: env.privacy,
      apply: values.apply,
      pageSize: clerk.BACKFILL_PAGE_SIZE,
      progress: createProgress(process.stderr),
    });
    printTable([
      [
        'type',
        'in Clerk',
        'local',
        'missing',
        'outdated',
        'gone',
        'deleted locally',
        values.apply ? 'fixed' : 'fixable',
      ],
      ...report.map((d) => [
        d.name,
        d.inClerk,
        d.local,
        d.missing.length,
        d.outdated.length,
        d.gone.length,
        d.deletedLocally.length,
        values.apply ? d.applied : d.missing.length + d.outdated.length + d.gone.length,
      ]),
    ]);
    if (values.verbose) {
      for (const d of report) {
        for (const [what, ids] of Object.entries({
          missing: d.missing,
          outdated: d.outdated,
          gone: d.gone,
        })) {
          for (const id of ids) console.log(`${d.name}\t${what}\t${id}`);
        }
      }
    }
    const drift = report.reduce((n, d) => n + d.missing.length + d.outdated.length + d.gone.length, 0);
    if (!values.apply && drift > 0)
      console.log(`${drift} row(s) drifted; run \`pnpm reconcile --apply\` to fix them`);
    return 0;
  } finally {
    await database.close();
  }
}

runCli('reconcile', main);

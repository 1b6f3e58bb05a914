import { createProgress } from '../backfill/progress.js';
import { type ReconcileReport, reconcile, type TypeDrift } from '../backfill/reconcile.js';
import { openClerkSession } from './clerk-session.js';
import { type Command, EXIT, parseCommandArgs, UsageError } from './command.js';
import { safe, safeDeep } from './safe-text.js';
import { printTable } from './table.js';

const usage = `usage: clerk-sync reconcile [--apply [--force]] [--exit-code] [--json] [--verbose] [--instance <name>]

Lists everything in Clerk and compares it with the local copy. Reports rows missing or older locally,
and live local rows that Clerk no longer has (each confirmed by id). Changes nothing unless --apply:
then it upserts the missing and older rows and tombstones the gone ones.
First it checks that CLERK_SECRET_KEY belongs to this copy's Clerk instance: the instance id Clerk
reports must match the one recorded for the copy, and Clerk must know most of a sample of live local
rows (RECONCILE_SAMPLE_SIZE per type). Otherwise it stops and changes nothing (exit 4).
  --apply      fix the drift; refused (exit 4, nothing changed) when more than RECONCILE_MAX_GONE_SHARE
               (default 5%) of a type's live rows would be tombstoned
  --force      with --apply: tombstone past that share (the key check still applies)
  --exit-code  exit 3 when drift was found (after fixing it, with --apply)
  --json       print the report as JSON on stdout (progress and messages go to stderr)
  --verbose    print every drifting id (in the JSON: the ids per type)
  --instance <name>  with CLERK_INSTANCES: the instance to compare (its key, schema and rows)
Needs CLERK_SECRET_KEY, like backfill. The drift counts are stored for the worker's
clerk_sync_drift_rows gauge. Exits 0 when the comparison ran (3 on drift with --exit-code),
4 when a safety check refused.`;

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'compare with Clerk and report (or --apply to repair) drift',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, {
      apply: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'exit-code': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      instance: { type: 'string' },
    });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    if (values.force && !values.apply) throw new UsageError('--force only makes sense with --apply');
    const session = await openClerkSession(environment, 'clerk-sync reconcile', {
      instance: values.instance,
    });
    const { env, clerk, database, api, instance } = session;
    try {
      const report = await reconcile({
        db: database.db,
        api,
        privacy: env.privacy,
        instanceId: instance.configured ? instance.id : undefined,
        maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
        apply: values.apply,
        force: values.force,
        maxGoneShare: session.reconcile.RECONCILE_MAX_GONE_SHARE,
        sampleSize: session.reconcile.RECONCILE_SAMPLE_SIZE,
        pageSize: clerk.BACKFILL_PAGE_SIZE,
        progress: createProgress(process.stderr),
      });
      return printReport(report, values);
    } finally {
      await database.close();
    }
  },
};

interface OutputOptions {
  apply: boolean;
  json: boolean;
  verbose: boolean;
  'exit-code': boolean;
}

/** The rows found drifting, of every type: missing, outdated and gone (tombstoned locally is not fixable). */
const driftOf = (d: TypeDrift) => d.missing.length + d.outdated.length + d.gone.length;

/** Prints the report as the options ask, and picks the exit code. */
function printReport(report: ReconcileReport, options: OutputOptions): number {
  const drift = report.types.reduce((n, d) => n + driftOf(d), 0);
  if (options.json)
    console.log(JSON.stringify(safeDeep(jsonReport(report, drift, options.verbose)), null, 2));
  else if (!report.refusal || report.types.length > 0) printDrift(report.types, options);
  if (report.refusal) {
    console.error(safe`reconcile refused: ${report.refusal.message}`);
    return EXIT.refused;
  }
  if (!options.apply && drift > 0) {
    const say = options.json ? console.error : console.log;
    say(`${drift} row(s) drifted; run \`clerk-sync reconcile --apply\` to fix them`);
  }
  return options['exit-code'] && drift > 0 ? EXIT.drift : EXIT.done;
}

/** The machine-readable report: counts per type, and with `verbose` the drifting ids. */
function jsonReport(report: ReconcileReport, drift: number, verbose: boolean) {
  return {
    instance: report.instance,
    recordedInstance: report.recordedInstance,
    sample: report.sample,
    applied: report.applied,
    refusal: report.refusal,
    drift,
    types: report.types.map((d) => ({
      entity: d.name,
      inClerk: d.inClerk,
      local: d.local,
      missing: d.missing.length,
      outdated: d.outdated.length,
      gone: d.gone.length,
      deletedLocally: d.deletedLocally.length,
      applied: d.applied,
      ...(verbose
        ? {
            ids: { missing: d.missing, outdated: d.outdated, gone: d.gone, deletedLocally: d.deletedLocally },
          }
        : {}),
    })),
  };
}

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
      options.apply ? d.applied : driftOf(d),
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

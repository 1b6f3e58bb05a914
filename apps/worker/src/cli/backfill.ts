import { runBackfill } from '../backfill/backfill.js';
import { createProgress } from '../backfill/progress.js';
import { openClerkSession } from './clerk-session.js';
import { type Command, EXIT, parseCommandArgs } from './command.js';
import { safe } from './safe-text.js';
import { printTable } from './table.js';

const usage = `usage: clerk-sync backfill [--restart] [--instance <name>]

Copies every user, organization and membership from Clerk's Backend API into Postgres, through the
same version guards as webhooks (newer rows are kept). Safe to run while webhooks flow, and to re-run.
An interrupted run resumes where it stopped.
  --restart          forget the saved position and start every type from the beginning
  --instance <name>  with CLERK_INSTANCES: the instance to work on (its key, schema and rows)
Needs CLERK_SECRET_KEY (CLERK_SECRET_KEY_<NAME> per instance); see .env.example for CLERK_API_URL, CLERK_API_RATE and the rest.
Exits 0 when every type is complete, 130 when stopped by Ctrl-C or SIGTERM (run again to resume).`;

export const backfillCommand: Command = {
  name: 'backfill',
  summary: "copy everything from Clerk's Backend API (resumable)",
  usage,
  hint: 'Progress so far is saved; run `clerk-sync backfill` again to resume.',
  async run(args, environment) {
    const values = parseCommandArgs(args, {
      restart: { type: 'boolean', default: false },
      instance: { type: 'string' },
    });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const controller = new AbortController();
    const stop = () => {
      console.error('\nstopping after the current page; run again to resume');
      controller.abort(new Error('interrupted'));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    const { env, clerk, database, api, instance } = await openClerkSession(
      environment,
      'clerk-sync backfill',
      {
        signal: controller.signal,
        instance: values.instance,
      },
    );
    try {
      const summary = await runBackfill({
        db: database.db,
        api,
        privacy: env.privacy,
        instanceId: instance.id,
        maxFutureSkewMs: env.MAX_FUTURE_SKEW_MS,
        restart: values.restart,
        pageSize: clerk.BACKFILL_PAGE_SIZE,
        signal: controller.signal,
        progress: createProgress(process.stderr),
        onInvalid: (name, id, reason) => console.error(safe`skipped invalid ${name} ${id}: ${reason}`),
      });
      printTable([
        ['type', 'fetched', 'applied', 'stale', 'conflict', 'invalid', 'resumed at', 'seconds', 'status'],
        ...summary.types.map((t) => [
          t.name,
          t.fetched,
          t.applied,
          t.stale,
          t.conflict,
          t.invalid,
          t.resumedAt,
          t.seconds.toFixed(1),
          t.complete ? 'complete' : 'interrupted',
        ]),
      ]);
      console.log(
        `${summary.requests} requests (${summary.throttled} rate-limited, ${summary.retries} retried) in ${summary.seconds.toFixed(1)} s`,
      );
      return summary.types.every((t) => t.complete) ? EXIT.done : EXIT.interrupted;
    } finally {
      await database.close();
    }
  },
};

import { parseArgs } from 'node:util';
import { runBackfill } from '../backfill/backfill.js';
import { createProgress } from '../backfill/progress.js';
import { openClerkSession } from './clerk-session.js';
import { runCli } from './run-cli.js';
import { printTable } from './table.js';

const usage = `usage: pnpm backfill [--restart]

Copies every user, organization and membership from Clerk's Backend API into Postgres, through the
same version guards as webhooks (newer rows are kept). Safe to run while webhooks flow, and to re-run.
An interrupted run resumes where it stopped.
  --restart   forget the saved position and start every type from the beginning
Needs CLERK_SECRET_KEY; see .env.example for CLERK_API_URL, CLERK_API_RATE and the rest.`;

async function main(): Promise<number> {
  let restart = false;
  try {
    const { values } = parseArgs({
      options: {
        restart: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    restart = values.restart;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const controller = new AbortController();
  const stop = () => {
    console.error('\nstopping after the current page; run again to resume');
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const { env, clerk, database, api } = await openClerkSession(controller.signal);
  try {
    const summary = await runBackfill({
      db: database.db,
      api,
      privacy: env.privacy,
      restart,
      pageSize: clerk.BACKFILL_PAGE_SIZE,
      signal: controller.signal,
      progress: createProgress(process.stderr),
      onInvalid: (name, id, reason) => console.error(`skipped invalid ${name} ${id}: ${reason}`),
    });
    printTable([
      ['type', 'fetched', 'applied', 'stale', 'invalid', 'resumed at', 'seconds', 'status'],
      ...summary.types.map((t) => [
        t.name,
        t.fetched,
        t.applied,
        t.stale,
        t.invalid,
        t.resumedAt,
        t.seconds.toFixed(1),
        t.complete ? 'complete' : 'interrupted',
      ]),
    ]);
    console.log(
      `${summary.requests} requests (${summary.throttled} rate-limited, ${summary.retries} retried) in ${summary.seconds.toFixed(1)} s`,
    );
    return summary.types.every((t) => t.complete) ? 0 : 130;
  } finally {
    await database.close();
  }
}

runCli('backfill', main, 'Progress so far is saved; run `pnpm backfill` again to resume.');

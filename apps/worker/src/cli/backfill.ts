import { parseArgs } from 'node:util';
import { migrateToLatest, openDatabase } from '@clerk-sync/db';
import { runBackfill, type TypeSummary } from '../backfill/backfill.js';
import { ClerkApi } from '../backfill/clerk-api.js';
import { readClerkApiEnv } from '../backfill/clerk-env.js';
import { createProgress } from '../backfill/progress.js';
import { readWorkerEnv } from '../env.js';

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
  let env: ReturnType<typeof readWorkerEnv>;
  let clerk: ReturnType<typeof readClerkApiEnv>;
  try {
    env = readWorkerEnv();
    clerk = readClerkApiEnv();
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const controller = new AbortController();
  const stop = () => {
    console.error('\nstopping after the current page; run again to resume');
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const database = await openDatabase(env.db);
  try {
    await migrateToLatest(database.db, env.db.schema);
    const api = new ClerkApi({
      baseUrl: clerk.CLERK_API_URL,
      secretKey: clerk.CLERK_SECRET_KEY,
      requestsPer10s: clerk.CLERK_API_RATE * clerk.CLERK_API_RATE_SHARE,
      maxTries: clerk.CLERK_API_MAX_TRIES,
      signal: controller.signal,
    });
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
    printSummary(summary.types);
    console.log(
      `${summary.requests} requests (${summary.throttled} rate-limited, ${summary.retries} retried) in ${summary.seconds.toFixed(1)} s`,
    );
    return summary.types.every((t) => t.complete) ? 0 : 130;
  } finally {
    await database.close();
  }
}

function printSummary(types: TypeSummary[]): void {
  const rows = [
    ['type', 'fetched', 'applied', 'stale', 'invalid', 'resumed at', 'seconds', 'status'],
    ...types.map((t) => [
      t.name,
      t.fetched,
      t.applied,
      t.stale,
      t.invalid,
      t.resumedAt,
      t.seconds.toFixed(1),
      t.complete ? 'complete' : 'interrupted',
    ]),
  ].map((r) => r.map(String));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  for (const r of rows)
    console.log(
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
    );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`backfill failed: ${(error as Error).message}`);
    console.error('Progress so far is saved; run `pnpm backfill` again to resume.');
    process.exit(1);
  },
);

import { parseArgs } from 'node:util';
import { DeadLetters, ReplaySelectorError, replayDeadLetters } from '@clerk-sync/events/dead-letters';
import { Redis } from 'ioredis';
import { readWorkerEnv } from '../env.js';
import { config, runCli } from './run-cli.js';

const usage = `usage: pnpm replay (--all | --svix-id ID... | --type TYPE | --since TIME) [--dry-run]

Moves dead letters back into the main queue with a fresh retry budget.
  --all            every dead letter
  --svix-id ID     this letter (repeat for several)
  --type TYPE      letters of this event type, e.g. user.updated
  --since TIME     letters that last failed at or after TIME (ISO 8601, e.g. 2026-11-24T08:00:00Z)
  --dry-run        list what would move, move nothing
Criteria combine: --type user.updated --since 2026-11-24 replays only letters matching both.`;

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse());
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const since = values.since ? new Date(values.since) : undefined;
  if (since && Number.isNaN(since.getTime())) {
    console.error(`--since: not a time: ${values.since}\n\n${usage}`);
    return 2;
  }
  const env = config(() => readWorkerEnv());
  const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3 });
  const deadLetters = new DeadLetters(env.QUEUE_NAME, connection);
  try {
    const report = await replayDeadLetters(
      deadLetters,
      { all: values.all, svixIds: values['svix-id'], type: values.type, since },
      { dryRun: values['dry-run'] },
    );
    const verb = report.dryRun ? 'would replay' : 'replayed';
    for (const l of report.replayed)
      console.log(`${verb}\t${l.svixId}\t${l.type}\t${l.attemptsMade} attempts\t${l.reason}`);
    for (const l of report.alreadyQueued) {
      console.log(
        `${report.dryRun ? 'would drop' : 'dropped'}\t${l.svixId}\t${l.type}\talready in ${env.QUEUE_NAME}`,
      );
    }
    console.log(
      `${verb} ${report.replayed.length} dead letter(s) into ${env.QUEUE_NAME}` +
        (report.alreadyQueued.length ? `; ${report.alreadyQueued.length} already queued` : '') +
        (report.dryRun ? ' (dry run: nothing moved)' : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof ReplaySelectorError) {
      console.error(`${error.message}\n\n${usage}`);
      return 2;
    }
    throw error;
  } finally {
    await deadLetters.close();
    connection.disconnect();
  }
}

function parse() {
  return parseArgs({
    options: {
      all: { type: 'boolean', default: false },
      'svix-id': { type: 'string', multiple: true },
      type: { type: 'string' },
      since: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

runCli('replay', main);

import {
  connectRedis,
  openQueues,
  ReplaySelectorError,
  redisTarget,
  replayDeadLetters,
} from '@clerk-sync/queue';
import { readWorkerEnv } from '../env.js';
import { type Command, EXIT, parseCommandArgs, UsageError } from './command.js';
import { safe } from './safe-text.js';

const usage = `usage: clerk-sync replay (--all | --svix-id ID... | --type TYPE | --since TIME) [--dry-run]

Moves dead letters back into the main queue with a fresh retry budget.
  --all            every dead letter
  --svix-id ID     this letter (repeat for several)
  --type TYPE      letters of this event type, e.g. user.updated
  --since TIME     letters that last failed at or after TIME (ISO 8601, e.g. 2026-11-24T08:00:00Z)
  --dry-run        list what would move, move nothing
Criteria combine: --type user.updated --since 2026-11-24 replays only letters matching both.`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'move dead letters back into the main queue',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, {
      all: { type: 'boolean', default: false },
      'svix-id': { type: 'string', multiple: true },
      type: { type: 'string' },
      since: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const since = values.since ? new Date(values.since) : undefined;
    if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since: not a time: ${values.since}`);
    const env = readWorkerEnv(environment, 'clerk-sync replay', { needsDatabase: false });
    const connection = connectRedis({ ...redisTarget(env), role: 'command' });
    const queues = openQueues(env.QUEUE_NAME, connection);
    try {
      const report = await replayDeadLetters(
        queues.deadLetters,
        { all: values.all, svixIds: values['svix-id'], type: values.type, since },
        { dryRun: values['dry-run'] },
      );
      const verb = report.dryRun ? 'would replay' : 'replayed';
      for (const l of report.replayed)
        console.log(safe`${verb}\t${l.svixId}\t${l.type}\t${l.attemptsMade} attempts\t${l.reason}`);
      for (const l of report.alreadyQueued) {
        const dropped = report.dryRun ? 'would drop' : 'dropped';
        console.log(safe`${dropped}\t${l.svixId}\t${l.type}\talready in ${env.QUEUE_NAME}`);
      }
      console.log(
        `${verb} ${report.replayed.length} dead letter(s) into ${env.QUEUE_NAME}` +
          (report.alreadyQueued.length ? `; ${report.alreadyQueued.length} already queued` : '') +
          (report.dryRun ? ' (dry run: nothing moved)' : ''),
      );
      return EXIT.done;
    } catch (error) {
      if (error instanceof ReplaySelectorError) throw new UsageError(error.message);
      throw error;
    } finally {
      await queues.close();
      connection.disconnect();
    }
  },
};

import { openDatabase } from '@clerk-sync/db';
import { readWorkerEnv } from '../env.js';
import { prepareSchema } from '../prepare-schema.js';
import { readStats, renderStats } from '../stats/report.js';
import { type Command, EXIT, parseCommandArgs } from './command.js';
import { safeDeep } from './safe-text.js';

const usage = `usage: clerk-sync stats [--json]

Prints a short report from the analytics views: totals, signups per week as a chart, active users,
the most active users and the largest organizations. Migrates the schema first if needed.
  --json      print the figures as JSON instead`;

export const statsCommand: Command = {
  name: 'stats',
  summary: 'a report from the analytics views (--json for the figures)',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, { json: { type: 'boolean', default: false } });
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const env = readWorkerEnv(environment, 'clerk-sync stats');
    const database = await openDatabase(env.db);
    try {
      await prepareSchema(database, env);
      // Names come from Clerk: strip terminal controls before any of them reaches the screen.
      const report = safeDeep(await readStats(database.db));
      console.log(values.json ? JSON.stringify(report, null, 2) : renderStats(report));
      return EXIT.done;
    } finally {
      await database.close();
    }
  },
};

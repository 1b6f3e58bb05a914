import { migrateToLatest, openDatabase } from '@clerk-sync/db';
import { readWorkerEnv } from '../env.js';
import { readStats, renderStats } from '../stats/report.js';
import { config, runCli } from './run-cli.js';

/** `pnpm stats`: a short report from the analytics views. `--json` prints the figures instead. */
async function main(): Promise<number> {
  const env = config(() => readWorkerEnv());
  const database = await openDatabase(env.db);
  try {
    await migrateToLatest(database.db, env.db.schema);
    const report = await readStats(database.db);
    console.log(process.argv.includes('--json') ? JSON.stringify(report, null, 2) : renderStats(report));
    return 0;
  } finally {
    await database.close();
  }
}

runCli('stats', main);

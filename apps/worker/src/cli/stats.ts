import { migrateToLatest, openDatabase } from '@clerk-sync/db';
import { readWorkerEnv } from '../env.js';
import { readStats, renderStats } from '../stats/report.js';

/** `pnpm stats`: a short report from the analytics views. `--json` prints the figures instead. */
async function main(): Promise<number> {
  let env: ReturnType<typeof readWorkerEnv>;
  try {
    env = readWorkerEnv();
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stats failed: ${(error as Error).message}`);
    process.exit(1);
  },
);

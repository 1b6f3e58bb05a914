import { migrateToLatest, openDatabase } from '@clerk-sync/db';
import { readWorkerEnv, workerSchemas } from '../env.js';
import { type Command, EXIT, parseCommandArgs } from './command.js';
import { safe } from './safe-text.js';

const usage = `usage: clerk-sync migrate

Brings the database schema (DB_SCHEMA, default clerk) up to date, and the schema of every instance
that CLERK_INSTANCES gives one of its own, and exits. The worker also migrates at start; run this alone
before a rollout, as the owning database role. Migrations take an advisory lock, so running it next to
starting workers is safe.`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'bring the database schema up to date',
  usage,
  async run(args, environment) {
    const values = parseCommandArgs(args, {});
    if (values.help) {
      console.log(usage);
      return EXIT.done;
    }
    const env = readWorkerEnv(environment, 'clerk-sync migrate');
    const database = await openDatabase(env.db);
    try {
      const where = database.kind === 'pglite' ? safe`PGlite at ${env.db.pgliteDir}` : 'Postgres';
      for (const schema of workerSchemas(env)) {
        const { applied } = await migrateToLatest(database.inSchema(schema), schema);
        console.log(
          applied.length > 0
            ? `migrated schema "${schema}" on ${where}: ${applied.join(', ')}`
            : `schema "${schema}" on ${where} is up to date`,
        );
      }
      return EXIT.done;
    } finally {
      await database.close();
    }
  },
};

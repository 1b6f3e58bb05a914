#!/usr/bin/env node
import { readDbConfig } from '../db-config.js';
import { migrateToLatest } from '../migrate.js';
import { openDatabase } from '../open-database.js';

/** `pnpm db:migrate`: brings the schema up to date; exits 1 with the reason if it cannot. */
async function main(): Promise<void> {
  const config = readDbConfig(process.env);
  const database = await openDatabase(config);
  try {
    const { applied } = await migrateToLatest(database.db, config.schema);
    const where = database.kind === 'pglite' ? `PGlite at ${config.pgliteDir}` : 'Postgres';
    console.log(
      applied.length > 0
        ? `migrated schema "${config.schema}" on ${where}: ${applied.join(', ')}`
        : `schema "${config.schema}" on ${where} is up to date`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

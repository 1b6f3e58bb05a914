#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { type DbConfig, readDbConfig } from '../db-config.js';
import { migrateToLatest } from '../migrate.js';
import { openDatabase } from '../open-database.js';

const usage = `usage: node node_modules/@clerk-sync/db/dist/cli/migrate.js

Brings the database schema (DB_SCHEMA, default clerk) up to date from DATABASE_URL, or PGlite in
PGLITE_DIR, and exits: 0 done, 1 failed, 2 bad usage or configuration. The worker image has the same
as \`clerk-sync migrate\`; this entry point stays for the Kubernetes migration Job.`;

/** Messages may carry values (a schema name, a server's error text): no terminal controls, one line. */
const oneLine = (text: string) => text.replace(/\p{Cc}+/gu, ' ');

/** The database package's own migration entry point, with the `clerk-sync` exit codes. */
async function main(): Promise<number> {
  let config: DbConfig;
  try {
    const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    config = readDbConfig(process.env);
  } catch (error) {
    console.error(`${oneLine((error as Error).message)}\n\n${usage}`);
    return 2;
  }
  const database = await openDatabase(config);
  try {
    const { applied } = await migrateToLatest(database.db, config.schema);
    const where = database.kind === 'pglite' ? `PGlite at ${oneLine(config.pgliteDir)}` : 'Postgres';
    console.log(
      applied.length > 0
        ? `migrated schema "${config.schema}" on ${where}: ${applied.join(', ')}`
        : `schema "${config.schema}" on ${where} is up to date`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`migrate failed: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    process.exit(1);
  },
);

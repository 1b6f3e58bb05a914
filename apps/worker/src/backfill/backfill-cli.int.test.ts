import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { FakeClerk } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The compiled CLI, as `pnpm backfill` runs it. */
const cli = fileURLToPath(new URL('../../dist/cli/clerk-sync.js', import.meta.url));

describe('the backfill command', () => {
  const fake = new FakeClerk({ rateLimit: null, latencyMs: 40 });
  const schema = uniqueSchema();
  let database: ClerkDatabase;
  beforeAll(async () => {
    fake.seed({ users: 4_000, organizations: 3, memberships: 3 });
    await fake.start();
    database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, pgliteDir: '', poolSize: 1 });
  });
  afterAll(async () => {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(database.db);
    await database.close();
    await fake.close();
  });

  const run = (onOutput?: (text: string, kill: () => void) => void) => {
    let output = '';
    const child = spawn(process.execPath, [cli, 'backfill'], {
      env: {
        PATH: process.env.PATH ?? '',
        CLERK_SECRET_KEY: fake.secretKey,
        CLERK_API_URL: fake.url,
        DATABASE_URL: testDatabaseUrl,
        DB_SCHEMA: schema,
        BACKFILL_PAGE_SIZE: '250',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer) => {
      output += String(d);
      onOutput?.(output, () => child.kill('SIGINT'));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    return once(child, 'exit').then(([code]) => ({ code: code as number, output }));
  };

  it('stops cleanly on Ctrl-C, then resumes and prints a summary table', async () => {
    let interrupted = false;
    const first = await run((text, kill) => {
      if (!interrupted && text.includes('users:')) {
        interrupted = true;
        kill();
      }
    });
    expect(first.code).toBe(130);
    expect(first.output).toContain('stopping after the current page');
    expect(first.output).toMatch(/users\s+\d+\s+\d+\s+0\s+0\s+0\s+0\s+[\d.]+\s+interrupted/);
    const saved = await sql<{
      seen: number;
    }>`SELECT seen FROM ${sql.id(schema)}.sync_state WHERE object_type = 'users'`.execute(database.db);
    const seen = saved.rows[0]?.seen ?? 0;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(4_000);

    const second = await run();
    expect(second.code).toBe(0);
    expect(second.output).toMatch(
      new RegExp(
        `users\\s+${4_000 - seen}\\s+${4_000 - seen}\\s+0\\s+0\\s+0\\s+${seen}\\s+[\\d.]+\\s+complete`,
      ),
    );
    expect(second.output).toMatch(/memberships\s+3\s+3/);
    const users = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(schema)}.users`.execute(
      database.db,
    );
    expect(users.rows[0]?.n).toBe(4_000);
  });
});

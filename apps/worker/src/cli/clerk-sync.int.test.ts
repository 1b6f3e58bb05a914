import { randomUUID } from 'node:crypto';
import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase, sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { openQueues } from '@clerk-sync/queue';
import { clerkObject, FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClerkSync } from '../../test/run-clerk-sync.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const commands = ['migrate', 'backfill', 'reconcile', 'replay', 'stats', 'sync', 'adopt-instance'];

/** The bin as an operator runs it, with only `env` (and PATH). */
const clerkSync = (args: string[], env: Record<string, string> = {}) => runClerkSync(args, env);

/** Control characters in `text` other than the newlines and tabs the CLI writes itself. */
const foreignControls = (text: string) =>
  [...text].filter((c) => /\p{Cc}/u.test(c) && c !== '\n' && c !== '\t').map((c) => c.codePointAt(0));

/** A name as an attacker would pick it: retitle the terminal, clear it, forge a line, C1 CSI, NEL (no NUL: Postgres refuses it). */
const HOSTILE = 'Acme\x1b]0;owned\x07\x1b[2J\r\nusers 999\x9b31m Inc\x85';
const DEFUSED = 'Acme]0;owned[2Jusers 99931m Inc';

describe('clerk-sync: usage and exit codes', () => {
  it('prints an overview naming every command, and each command its usage, with exit 0', async () => {
    const overview = await clerkSync(['--help']);
    expect(overview.code).toBe(0);
    for (const name of commands) expect(overview.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const helps = await Promise.all(commands.map((name) => clerkSync([name, '--help'])));
    helps.forEach((help, i) => {
      expect(help.code, commands[i]).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: clerk-sync ${commands[i]}\\b`));
      expect(help.stderr).toBe('');
    });
    expect((await clerkSync(['help', 'stats'])).stdout).toMatch(/^usage: clerk-sync stats/);
  });

  it('exits 2 with the usage for no command, an unknown command, an unknown flag or a bad value', async () => {
    const [none, unknown, flag, positional, since] = await Promise.all([
      clerkSync([]),
      clerkSync(['reconcil']),
      clerkSync(['reconcile', '--aply']),
      clerkSync(['stats', 'extra']),
      clerkSync(['replay', '--all', '--since', 'yesterday']),
    ]);
    for (const run of [none, unknown, flag, positional, since]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('usage: clerk-sync');
    }
    expect(unknown.stderr).toContain('unknown command reconcil');
    expect(flag.stderr).toContain("Unknown option '--aply'");
    expect(flag.stderr).toContain('usage: clerk-sync reconcile');
    expect(since.stderr).toContain('--since: not a time: yesterday');
  });

  it('exits 2 and names the variable when a setting is bad or missing', async () => {
    const [schema, secret] = await Promise.all([
      clerkSync(['stats'], { DB_SCHEMA: 'Not-A-Schema' }),
      clerkSync(['reconcile'], { DATABASE_URL: testDatabaseUrl }),
    ]);
    expect(schema.code).toBe(2);
    expect(schema.stderr).toContain(
      'invalid clerk-sync stats configuration:\n  DB_SCHEMA: must be a lowercase identifier',
    );
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('CLERK_SECRET_KEY');
  });

  it('exits 1 and says which command failed when the database cannot be reached', async () => {
    const run = await clerkSync(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^migrate failed: .*ECONNREFUSED/m);
  });
});

describe('clerk-sync: data from the database or Clerk reaches the terminal without control characters', () => {
  let database: ClerkDatabase;
  const schema = uniqueSchema('cli');
  const at = Date.UTC(2026, 5, 1);
  beforeAll(async () => {
    database = await openTestDatabase('postgres', schema);
    const org = makeEvent({ kind: 'organization', id: 'org_hostile', createdAt: at }, 'created', at);
    org.data.name = HOSTILE;
    const member = makeEvent(
      {
        kind: 'organization_membership',
        id: 'orgmem_hostile',
        createdAt: at,
        userId: 'user_a',
        organizationId: 'org_hostile',
      },
      'created',
      at,
    );
    const user = makeEvent({ kind: 'user', id: 'user_a', createdAt: at }, 'created', at);
    await applyEvents(
      database.db,
      [org, member, user].map((event, i) =>
        prepareEvent({ v: 1, svixId: `msg_cli_${i}`, receivedAt: at, event: event as never }),
      ),
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stats prints a hostile organization name defused, as text and as JSON', async () => {
    const env = { DATABASE_URL: testDatabaseUrl, DB_SCHEMA: schema };
    const text = await clerkSync(['stats'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('users 1 (+0 deleted)');
    expect(text.stdout).toContain(`org_hostile  ${DEFUSED}  1 members`);
    expect(foreignControls(text.stdout)).toEqual([]);
    expect(text.stdout).not.toContain('\t');

    const json = await clerkSync(['stats', '--json'], env);
    expect(json.code).toBe(0);
    // JSON.stringify escapes C0 but passes C1 (\x9b, \x85) through raw: check the bytes, then the value.
    expect(foreignControls(json.stdout)).toEqual([]);
    expect(JSON.parse(json.stdout).largestOrganizations).toEqual([
      { organizationId: 'org_hostile', name: DEFUSED, members: 1 },
    ]);
  });

  it('replay lists dead letters with hostile ids, types and reasons defused, one line each', async () => {
    const queueName = `test-cli-${randomUUID().slice(0, 8)}`;
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    const queues = openQueues(queueName, connection);
    const letters = queues.deadLetters;
    try {
      await letters.dead.add(
        `user.updated${HOSTILE}`,
        {
          payload: { v: 1, svixId: 'x', receivedAt: 1, event: { type: 'user.updated', data: {} } },
          failedReason: `invalid event: ${HOSTILE}`,
          stacktrace: [],
          attemptsMade: 1,
          firstFailedAt: at,
          lastFailedAt: at,
          opts: { attempts: 15 },
        },
        { jobId: `msg_${HOSTILE}` },
      );
      const run = await clerkSync(['replay', '--all', '--dry-run'], {
        REDIS_URL: redisUrl,
        QUEUE_NAME: queueName,
      });
      expect(run.code).toBe(0);
      expect(foreignControls(run.stdout)).toEqual([]);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toEqual([
        `would replay\tmsg_${DEFUSED}\tuser.updated${DEFUSED}\t1 attempts\tinvalid event: ${DEFUSED}`,
        `would replay 1 dead letter(s) into ${queueName} (dry run: nothing moved)`,
      ]);
    } finally {
      await letters.dead.obliterate({ force: true });
      await queues.close();
      connection.disconnect();
    }
  });

  it('reconcile --verbose and backfill print hostile ids from Clerk defused', async () => {
    const fake = new FakeClerk({ rateLimit: null });
    const clerkSchema = uniqueSchema('cli');
    fake.putUser(clerkObject({ kind: 'user', id: `user_${HOSTILE}`, createdAt: at }, at));
    const broken = clerkObject({ kind: 'user', id: `user_b${HOSTILE}`, createdAt: at + 1 }, at + 1);
    delete broken.updated_at;
    fake.putUser(broken);
    await fake.start();
    const env = {
      CLERK_SECRET_KEY: fake.secretKey,
      CLERK_API_URL: fake.url,
      DATABASE_URL: testDatabaseUrl,
      DB_SCHEMA: clerkSchema,
    };
    try {
      const reconcile = await clerkSync(['reconcile', '--verbose'], env);
      expect(reconcile.code).toBe(0);
      expect(foreignControls(reconcile.stdout + reconcile.stderr)).toEqual([]);
      expect(reconcile.stdout.split('\n')).toContain(`users\tmissing\tuser_${DEFUSED}`);

      const backfill = await clerkSync(['backfill'], env);
      expect(backfill.code).toBe(0);
      expect(foreignControls(backfill.stdout + backfill.stderr)).toEqual([]);
      const skipped = backfill.stderr.split('\n').filter((l) => l.startsWith('skipped invalid'));
      expect(skipped).toHaveLength(1);
      expect(skipped[0]?.startsWith(`skipped invalid users user_b${DEFUSED}: `), skipped[0]).toBe(true);
    } finally {
      await fake.close();
      await sql`DROP SCHEMA IF EXISTS ${sql.id(clerkSchema)} CASCADE`.execute(database.db);
    }
  });
});

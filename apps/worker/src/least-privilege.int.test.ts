import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ClerkDatabase, openDatabase } from '@clerk-sync/db';
import { sql, testDatabaseUrl, uniqueSchema } from '@clerk-sync/db/testing';
import { clerkObject, FakeClerk, makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, redisUrl, startHarness } from '../test/harness.js';
import { runClerkSync } from '../test/run-clerk-sync.js';

const T0 = 1_760_000_000_000;
const docs = readFileSync(fileURLToPath(new URL('../../../docs/postgres.md', import.meta.url)), 'utf8');

/** The statements of the ```sql block after `<!-- test: name -->` in docs/postgres.md. */
function documented(name: string, names: { owner: string; writer: string; schema: string }): string[] {
  const block = new RegExp(`<!-- test: ${name} -->\\s*\`\`\`sql\\n([\\s\\S]*?)\`\`\``).exec(docs)?.[1];
  if (!block) throw new Error(`docs/postgres.md has no "${name}" block`);
  return block
    .replaceAll('clerk_owner', names.owner)
    .replaceAll('clerk_writer', names.writer)
    .replace(/\bclerk\b/g, names.schema)
    .replaceAll('your_database', new URL(testDatabaseUrl).pathname.slice(1))
    .replace(/ PASSWORD '[^']*'/g, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `testDatabaseUrl` as another role (the test server trusts local connections). */
function as(role: string): string {
  const url = new URL(testDatabaseUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

/**
 * The two roles of docs/postgres.md, with the statements printed there: an owner migrates; the worker,
 * backfill and reconcile run as a writer with DML rights only and `MIGRATE_ON_START=false`, and the
 * writer cannot rewrite the audit log or switch off its triggers.
 */
describe('an owner that migrates and a writer that only writes rows', () => {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const names = { owner: `own_${id}`, writer: `wri_${id}`, schema: uniqueSchema('lp') };
  let admin: ClerkDatabase;
  let writer: ClerkDatabase;
  let harness: Harness | undefined;
  let fake: FakeClerk | undefined;

  beforeAll(async () => {
    admin = await openDatabase({
      databaseUrl: testDatabaseUrl,
      schema: names.schema,
      pgliteDir: '',
      poolSize: 1,
    });
    for (const statement of documented('roles', names)) await sql.raw(statement).execute(admin.db);
  });
  afterAll(async () => {
    await harness?.close();
    await fake?.close();
    await writer?.close();
    await sql`DROP SCHEMA IF EXISTS ${sql.id(names.schema)} CASCADE`.execute(admin.db);
    await sql.raw(`DROP OWNED BY ${names.owner}, ${names.writer}`).execute(admin.db);
    await sql.raw(`DROP ROLE IF EXISTS ${names.owner}, ${names.writer}`).execute(admin.db);
    await admin.close();
  });

  it('migrates as the owner, who then grants the writer its rights', async () => {
    const migrate = await runClerkSync(['migrate'], {
      DATABASE_URL: as(names.owner),
      DB_SCHEMA: names.schema,
    });
    expect(migrate.stderr).toBe('');
    expect(migrate.code).toBe(0);
    const owner = await openDatabase({
      databaseUrl: as(names.owner),
      schema: names.schema,
      pgliteDir: '',
      poolSize: 1,
    });
    try {
      for (const statement of documented('grants', names)) await sql.raw(statement).execute(owner.db);
    } finally {
      await owner.close();
    }
    writer = await openDatabase({
      databaseUrl: as(names.writer),
      schema: names.schema,
      pgliteDir: '',
      poolSize: 1,
    });
  });

  it('cannot migrate as the writer: the database refuses it', async () => {
    const schema = uniqueSchema('lpnew');
    const run = await runClerkSync(['migrate'], { DATABASE_URL: as(names.writer), DB_SCHEMA: schema });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/permission denied for database/);
  });

  it('runs the worker as the writer with MIGRATE_ON_START=false, audit rows included', async () => {
    harness = await startHarness({
      backend: 'postgres',
      databaseUrl: as(names.writer),
      workerEnv: { DB_SCHEMA: names.schema, MIGRATE_ON_START: 'false' },
    });
    const user = { kind: 'user' as const, id: `user_lp_${id}`, createdAt: T0 };
    for (const [action, at] of [
      ['created', T0],
      ['updated', T0 + 1],
      ['deleted', T0 + 2],
    ] as const) {
      expect(await harness.deliver(makeEvent(user, action, at))).toBe(202);
      await harness.idle();
    }
    const row = await writer.db
      .selectFrom('users')
      .select(['id', 'deleted_at'])
      .where('id', '=', user.id)
      .executeTakeFirst();
    expect(row?.deleted_at).toBeInstanceOf(Date);
    const audit = await sql<{ action: string }>`
      SELECT action FROM ${sql.table(`${names.schema}.audit_log`)} WHERE entity_id = ${user.id} ORDER BY id`.execute(
      writer.db,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['create', 'update', 'delete']);
    // The erasure registry is written with the same default privileges: the id and both addresses.
    const registry = await sql<{ kind: string }>`
      SELECT kind FROM ${sql.table(`${names.schema}.erased_subjects`)} WHERE user_id = ${user.id} ORDER BY kind, subject`.execute(
      writer.db,
    );
    expect(registry.rows.map((r) => r.kind)).toEqual(['email', 'email', 'user']);
    // The change feed is written by a trigger on audit_log, as the writer too.
    const changes = await writer.db
      .selectFrom('changes')
      .select('op')
      .where('entity_id', '=', user.id)
      .orderBy('seq')
      .execute();
    expect(changes.map((r) => r.op)).toEqual(['insert', 'update', 'delete']);
  });

  it('backfills and reconciles as the writer with MIGRATE_ON_START=false', async () => {
    fake = new FakeClerk({ rateLimit: null });
    for (let i = 0; i < 5; i++)
      fake.putUser(clerkObject({ kind: 'user', id: `user_lpbf_${id}_${i}`, createdAt: T0 }, T0 + 10));
    await fake.start();
    const env = {
      DATABASE_URL: as(names.writer),
      DB_SCHEMA: names.schema,
      MIGRATE_ON_START: 'false',
      CLERK_SECRET_KEY: fake.secretKey,
      CLERK_API_URL: fake.url,
    };
    const backfill = await runClerkSync(['backfill'], env);
    expect(backfill.stderr).not.toMatch(/permission denied/);
    expect(backfill.code).toBe(0);
    fake.deleteUser(`user_lpbf_${id}_0`);
    const reconcile = await runClerkSync(['reconcile', '--apply'], env);
    expect(reconcile.stderr).not.toMatch(/permission denied/);
    expect(reconcile.code).toBe(0);
    const live = await writer.db.selectFrom('users').select('id').where('deleted_at', 'is', null).execute();
    expect(live.map((u) => u.id).sort()).toEqual([1, 2, 3, 4].map((i) => `user_lpbf_${id}_${i}`));
    const sources = await writer.db
      .selectFrom('changes')
      .select(['entity_id', 'source'])
      .where('entity_id', '=', `user_lpbf_${id}_0`)
      .orderBy('seq')
      .execute();
    expect(sources.map((r) => r.source)).toEqual(['backfill', 'reconcile']);
  });

  it('cannot update, delete or truncate audit rows as the writer, nor switch their triggers off', async () => {
    const auditLog = `"${names.schema}"."audit_log"`;
    const attempts = [
      `UPDATE ${auditLog} SET action = 'create'`,
      `DELETE FROM ${auditLog}`,
      `TRUNCATE ${auditLog}`,
      `ALTER TABLE ${auditLog} DISABLE TRIGGER audit_log_append_only`,
      `ALTER TABLE ${auditLog} DISABLE TRIGGER ALL`,
      `ALTER TABLE "${names.schema}"."users" DISABLE TRIGGER users_audit_update`,
      `DROP TABLE ${auditLog}`,
      `SET session_replication_role = replica`,
    ];
    for (const statement of attempts) {
      await expect(sql.raw(statement).execute(writer.db), statement).rejects.toThrow(
        /permission denied|must be owner/,
      );
    }
    const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(auditLog)}`.execute(
      writer.db,
    );
    expect(count.rows[0]?.n).toBeGreaterThanOrEqual(3);
  });

  it('cannot undo an erasure as the writer: the registry only grows', async () => {
    const registry = `"${names.schema}"."erased_subjects"`;
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(registry)}`.execute(
      writer.db,
    );
    // The reconcile above erased a user as the writer: inserting into the registry works.
    expect(before.rows[0]?.n).toBeGreaterThan(0);
    for (const statement of [
      `DELETE FROM ${registry}`,
      `UPDATE ${registry} SET subject = 'x'`,
      `TRUNCATE ${registry}`,
    ]) {
      await expect(sql.raw(statement).execute(writer.db), statement).rejects.toThrow(/permission denied/);
    }
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(registry)}`.execute(
      writer.db,
    );
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('prunes as the writer but leaves the audit log to the owner, who deletes only rows past retention', async () => {
    const table = (name: string) => sql.table(`${names.schema}.${name}`);
    const longAgo = new Date(Date.now() - 400 * 24 * 3_600_000);
    await sql`INSERT INTO ${table('webhook_events')} (svix_id, type, received_at, outcome)
              VALUES (${`msg_old_${id}`}, 'user.updated', ${longAgo}, 'applied')`.execute(admin.db);
    await sql`INSERT INTO ${table('audit_log')} (event_id, entity, entity_id, action, changed_fields, applied_at)
              VALUES ('msg_old', 'users', ${`user_old_${id}`}, 'update', ARRAY['first_name'], ${longAgo})`.execute(
      admin.db,
    );
    const auditRows = async () =>
      (
        await sql<{ entity_id: string }>`SELECT entity_id FROM ${table('audit_log')}`.execute(admin.db)
      ).rows.map((r) => r.entity_id);
    const before = await auditRows();
    const env = { DB_SCHEMA: names.schema, MIGRATE_ON_START: 'false' };

    const asWriter = await runClerkSync(['prune', '--json'], { ...env, DATABASE_URL: as(names.writer) });
    expect(asWriter.code).toBe(0);
    const writerReport = JSON.parse(asWriter.stdout) as {
      pruned: Record<string, number>;
      auditLogPruned: boolean;
    };
    expect(writerReport).toMatchObject({
      auditLogPruned: false,
      pruned: { webhook_events: 1, audit_log: 0 },
    });
    expect(await auditRows()).toEqual(before);

    const asOwner = await runClerkSync(['prune', '--json'], { ...env, DATABASE_URL: as(names.owner) });
    expect(asOwner.code).toBe(0);
    expect(JSON.parse(asOwner.stdout)).toMatchObject({ auditLogPruned: true, pruned: { audit_log: 1 } });
    expect((await auditRows()).sort()).toEqual(before.filter((e) => e !== `user_old_${id}`).sort());
  });

  it('cannot hide a write from the audit log behind a temporary audit_log of its own', async () => {
    const users = `"${names.schema}"."users"`;
    const auditCount = async () =>
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM ${sql.raw(`"${names.schema}"."audit_log"`)}`.execute(admin.db)
      ).rows[0]?.n ?? 0;
    const update = `UPDATE ${users} SET first_name = 'Shadowed' WHERE id = (SELECT id FROM ${users} WHERE deleted_at IS NULL ORDER BY id LIMIT 1)`;
    const before = await auditCount();
    await writer.db.transaction().execute(async (trx) => {
      await sql
        .raw(
          'CREATE TEMP TABLE audit_log (event_id text, entity text, entity_id text, action text, changed_fields text[], version bigint) ON COMMIT DROP',
        )
        .execute(trx);
      const result = await sql.raw(update).execute(trx);
      expect(Number(result.numAffectedRows)).toBe(1);
    });
    expect(await auditCount()).toBeGreaterThan(before);
  });

  it('refuses to start the worker with MIGRATE_ON_START=false on a schema that is behind, saying what to run', async () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: as(names.writer),
        DB_SCHEMA: uniqueSchema('lpbehind'),
        MIGRATE_ON_START: 'false',
        REDIS_URL: redisUrl,
        QUEUE_NAME: `test-lp-${id}`,
        WORKER_METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/is not at the latest migration .*run `pnpm db:migrate` as the owning role/);
  });

  it('refuses backfill, reconcile and stats as the writer on a schema that is behind, with the same message', async () => {
    const env = {
      DATABASE_URL: as(names.writer),
      DB_SCHEMA: uniqueSchema('lpclibehind'),
      MIGRATE_ON_START: 'false',
      CLERK_SECRET_KEY: 'sk_test_unused',
      CLERK_API_URL: 'http://127.0.0.1:9',
    };
    for (const command of [['backfill'], ['reconcile'], ['stats']]) {
      const run = await runClerkSync(command, env);
      expect(run.code, command[0]).toBe(1);
      expect(run.stderr, command[0]).toMatch(/is not at the latest migration .*run `pnpm db:migrate`/);
      expect(run.stderr, command[0]).not.toMatch(/permission denied/);
    }
  });
});

import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { commentOnEverything } from './comment-on-everything.js';
import { relations } from './relations.js';

describe.each(backends)('comments on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('describe every table, view and column of the schema after migrating', async () => {
    const { rows } = await sql<{ relation: string; column: string | null; comment: string | null }>`
      SELECT c.relname AS relation, NULL AS column, obj_description(c.oid, 'pg_class') AS comment
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${database.schema} AND c.relkind IN ('r', 'v')
      UNION ALL
      SELECT c.relname, a.attname, col_description(c.oid, a.attnum)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = ${database.schema} AND c.relkind IN ('r', 'v')`.execute(database.db);
    const missing = rows.filter((r) => !r.comment?.trim()).map((r) => `${r.relation}.${r.column ?? ''}`);
    expect(missing).toEqual([]);
    const described = new Set(rows.map((r) => r.relation));
    for (const relation of relations) expect(described).toContain(relation.name);
    expect(rows.length).toBeGreaterThan(200);
  });

  it('says what a live view leaves out and what the feed holds', async () => {
    const { rows } = await sql<{ users_live: string; seq: string }>`
      SELECT obj_description(${`${database.schema}.users_live`}::regclass, 'pg_class') AS users_live,
             col_description(${`${database.schema}.changes`}::regclass, 1) AS seq`.execute(database.db);
    expect(rows[0]?.users_live).toContain('deleted_at IS NULL');
    expect(rows[0]?.seq).toContain('commit order');
  });

  it('leaves a view of your own in the schema alone, so a later migration still runs', async () => {
    const view = sql.table(`${database.schema}.my_report`);
    await sql`CREATE VIEW ${view} AS SELECT 1 AS "constructor"`.execute(database.db);
    try {
      await commentOnEverything(database.db as unknown as Kysely<unknown>, database.schema);
      const { rows } = await sql<{ comment: string | null; users: string | null }>`
        SELECT obj_description(${`${database.schema}.my_report`}::regclass, 'pg_class') AS comment,
               obj_description(${`${database.schema}.users`}::regclass, 'pg_class') AS users`.execute(
        database.db,
      );
      expect(rows[0]?.comment).toBeNull();
      expect(rows[0]?.users).toContain('Clerk users');
    } finally {
      await sql`DROP VIEW ${view}`.execute(database.db);
    }
  });
});

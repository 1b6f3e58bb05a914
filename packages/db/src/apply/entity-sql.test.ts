import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { entityTables } from '../tables/entity-tables.js';
import { membershipTable } from '../tables/organization-membership.table.js';
import { userTable } from '../tables/user.table.js';
import { openTestDatabase, uniqueSchema } from '../testing/test-database.js';
import { buildEntitySql, type EntitySql, qualified } from './entity-sql.js';

const statementNames = ['upsert', 'tombstone', 'hardDelete', 'fillImmutable', 'lockRows'] as const;

describe('buildEntitySql, as text', () => {
  const users = buildEntitySql(userTable, 'tenant_a');

  it('quotes both parts of a qualified name', () => {
    expect(qualified('tenant_a', 'users')).toBe('"tenant_a"."users"');
  });

  it.each(entityTables.map((t) => [t.name, t] as const))(
    'names %s and tombstones with their schema in every statement, never bare',
    (name, table) => {
      const statements = buildEntitySql(table, 'tenant_a');
      for (const key of statementNames) {
        const text = statements[key];
        for (const relation of [name, 'tombstones']) {
          // A quoted table name not preceded by `"schema".` would resolve through search_path.
          expect(text).not.toMatch(
            new RegExp(`(?<!"tenant_a"\\.)"${relation}"(?!\\s*(text|timestamptz|bigint))`),
          );
        }
      }
      expect(statements.upsert).toContain(`INSERT INTO "tenant_a"."${name}" AS t`);
    },
  );

  it('guards the upsert: only a live row with an equal or older version is overwritten', () => {
    expect(users.upsert).toContain('ON CONFLICT ("id") DO UPDATE SET');
    expect(users.upsert).toMatch(
      /\nWHERE t\."deleted_at" IS NULL AND t\."version" <= excluded\."version"\nRETURNING "id"$/,
    );
    expect(users.upsert.match(/"version" <=/g)).toHaveLength(1);
  });

  it('skips upserts and tombstones for ids that were hard-deleted', () => {
    const check = `NOT EXISTS (SELECT 1 FROM "tenant_a"."tombstones" tb WHERE tb."entity" = 'users' AND tb."id" = x."id")`;
    expect(users.upsert).toContain(`WHERE ${check}`);
    expect(users.tombstone).toContain(`WHERE ${check}`);
  });

  it('guards the tombstone: it replaces a live row whatever its version, a tombstone only when newer', () => {
    expect(users.tombstone).toMatch(
      /\nWHERE t\."deleted_at" IS NULL OR t\."version" < excluded\."version"\nRETURNING "id"$/,
    );
    expect(users.tombstone).toContain('"deleted_at" = excluded."deleted_at"');
  });

  it('guards the hard delete: a tombstones entry is replaced only by a newer version', () => {
    expect(users.hardDelete).toContain('DELETE FROM "tenant_a"."users" AS t');
    expect(users.hardDelete).toMatch(/\nWHERE tb\."version" < excluded\."version"\nRETURNING "id"$/);
  });

  it('keeps immutable facts once known and overwrites the other columns', () => {
    const memberships = buildEntitySql(membershipTable, 'tenant_a');
    for (const c of membershipTable.immutable) {
      expect(memberships.upsert).toContain(`"${c}" = COALESCE(t."${c}", excluded."${c}")`);
      expect(memberships.tombstone).toContain(`"${c}" = COALESCE(t."${c}", excluded."${c}")`);
    }
    for (const c of ['role', 'role_name', 'permissions', 'updated_at']) {
      expect(memberships.upsert).toContain(`"${c}" = excluded."${c}"`);
    }
    expect(memberships.upsert).toContain(
      '"version" = excluded."version", "last_event_id" = excluded."last_event_id"',
    );
  });

  it.each(entityTables.map((t) => [t.name, t] as const))(
    'reads every column of %s from the jsonb parameter with its SQL type',
    (_name, table) => {
      const { upsert } = buildEntitySql(table, 'tenant_a');
      const declared = upsert.match(/jsonb_to_recordset\(\$1::jsonb\) AS x\((.*)\)\n/)?.[1];
      const expected = [
        '"id" text',
        ...Object.entries(table.columns).map(([c, type]) => `"${c}" ${type}`),
        '"version" bigint',
        '"last_event_id" text',
      ];
      expect(declared).toBe(expected.join(', '));
    },
  );

  it('fills only immutable columns, and only where the row lacks them', () => {
    const memberships = buildEntitySql(membershipTable, 'tenant_a');
    const set = memberships.fillImmutable.match(/SET (.*)\nFROM/)?.[1] ?? '';
    const assigned = [...set.matchAll(/(?:^|, )"(\w+)" = /g)].map((m) => m[1]);
    expect(assigned).toEqual([...membershipTable.immutable]);
    for (const c of membershipTable.immutable) {
      expect(memberships.fillImmutable).toContain(`(t."${c}" IS NULL AND x."${c}" IS NOT NULL)`);
    }
  });

  it('takes the row locks in hash order, from pg_catalog functions only', () => {
    expect(users.lockRows).toContain('SELECT pg_catalog.pg_advisory_xact_lock(l."key")');
    expect(users.lockRows).toContain('SELECT DISTINCT pg_catalog.hashtextextended(x."key", 0) AS "key"');
    expect(users.lockRows).toMatch(/ORDER BY 1\n\) AS l$/);
  });
});

/**
 * The same statements run by Postgres's own engine, compiled to WebAssembly (PGlite, in memory): no
 * server, and the schema the migrations create.
 */
describe('buildEntitySql, run on an in-memory PGlite', () => {
  const schema = uniqueSchema('entity_sql');
  let database: ClerkDatabase;
  let sql: EntitySql;

  beforeAll(async () => {
    database = await openTestDatabase('pglite', schema);
    sql = buildEntitySql(userTable, schema);
  });
  afterAll(async () => {
    await database?.close();
  });

  interface UserRow {
    id: string;
    email?: string | null;
    first_name?: string | null;
    created_at?: string | null;
    deleted_at?: string | null;
    version: number;
    last_event_id: string;
  }

  /** Runs one statement with its rows as the jsonb parameter, as applyEvents does; returns the ids written. */
  const run = async (text: string, rows: UserRow[]): Promise<string[]> => {
    const result = await database.db.executeQuery<{ id?: string }>(
      CompiledQuery.raw(text, [JSON.stringify(rows)]),
    );
    return result.rows.flatMap((r) => (r.id === undefined ? [] : [r.id]));
  };

  const read = async (id: string) => {
    const { rows } = await database.db.executeQuery<{
      email: string | null;
      created: string | null;
      deleted: boolean;
      version: string;
      last_event_id: string | null;
    }>(
      CompiledQuery.raw(
        `SELECT "email", "created_at"::text AS "created", "deleted_at" IS NOT NULL AS "deleted", "version"::text AS "version", "last_event_id" FROM ${qualified(schema, 'users')} WHERE "id" = $1`,
        [id],
      ),
    );
    return rows[0];
  };

  const user = (id: string, version: number, email: string, extra: Partial<UserRow> = {}): UserRow => ({
    id,
    email,
    version,
    last_event_id: `msg_${id}_${version}`,
    ...extra,
  });

  it('inserts a row it has not seen', async () => {
    expect(await run(sql.upsert, [user('user_new', 10, 'a@example.test')])).toEqual(['user_new']);
    expect(await read('user_new')).toMatchObject({ email: 'a@example.test', version: '10', deleted: false });
  });

  it('applies the same version again (a redelivery) and a newer one', async () => {
    await run(sql.upsert, [user('user_up', 10, 'old@example.test')]);
    expect(await run(sql.upsert, [user('user_up', 10, 'same@example.test')])).toEqual(['user_up']);
    expect(await run(sql.upsert, [user('user_up', 11, 'new@example.test')])).toEqual(['user_up']);
    expect(await read('user_up')).toMatchObject({ email: 'new@example.test', version: '11' });
  });

  it('leaves a row alone when the event is older, and reports nothing written', async () => {
    await run(sql.upsert, [user('user_old', 20, 'current@example.test')]);
    expect(await run(sql.upsert, [user('user_old', 19, 'stale@example.test')])).toEqual([]);
    expect(await read('user_old')).toMatchObject({
      email: 'current@example.test',
      version: '20',
      last_event_id: 'msg_user_old_20',
    });
  });

  it('writes a batch in one statement and returns only the rows it applied', async () => {
    await run(sql.upsert, [user('user_b1', 5, 'b1@example.test')]);
    const applied = await run(sql.upsert, [
      user('user_b1', 4, 'stale@example.test'),
      user('user_b2', 1, 'b2@example.test'),
    ]);
    expect(applied).toEqual(['user_b2']);
  });

  it('keeps created_at once known, even when a newer event says otherwise', async () => {
    await run(sql.upsert, [user('user_born', 1, 'x@example.test', { created_at: '2025-01-01T00:00:00Z' })]);
    await run(sql.upsert, [user('user_born', 2, 'x@example.test', { created_at: '2030-01-01T00:00:00Z' })]);
    expect((await read('user_born'))?.created).toBe('2025-01-01 00:00:00+00');
  });

  it('tombstones a live row even when the delete is older: deletes are final', async () => {
    await run(sql.upsert, [user('user_del', 50, 'del@example.test')]);
    const tombstone = user('user_del', 40, '', { email: null, deleted_at: '2025-06-01T00:00:00Z' });
    expect(await run(sql.tombstone, [tombstone])).toEqual(['user_del']);
    expect(await read('user_del')).toMatchObject({ email: null, deleted: true, version: '40' });
  });

  it('never brings a tombstoned row back, however new the update', async () => {
    await run(sql.tombstone, [user('user_gone', 5, '', { email: null, deleted_at: '2025-06-01T00:00:00Z' })]);
    expect(await run(sql.upsert, [user('user_gone', 500, 'back@example.test')])).toEqual([]);
    expect(await read('user_gone')).toMatchObject({ email: null, deleted: true, version: '5' });
  });

  it('replaces a tombstone only with a newer one', async () => {
    const at = (version: number) =>
      user('user_twice', version, '', { email: null, deleted_at: '2025-06-01T00:00:00Z' });
    await run(sql.tombstone, [at(5)]);
    expect(await run(sql.tombstone, [at(5)])).toEqual([]);
    expect(await run(sql.tombstone, [at(6)])).toEqual(['user_twice']);
  });

  it('hard-deletes the row, keeps the id in tombstones, and refuses to write the id again', async () => {
    await run(sql.upsert, [user('user_hard', 1, 'hard@example.test')]);
    const removal = user('user_hard', 2, '', { deleted_at: '2025-06-01T00:00:00Z' });
    expect(await run(sql.hardDelete, [removal])).toEqual(['user_hard']);
    expect(await read('user_hard')).toBeUndefined();
    expect(await run(sql.upsert, [user('user_hard', 3, 'again@example.test')])).toEqual([]);
    expect(
      await run(sql.tombstone, [user('user_hard', 3, '', { deleted_at: '2025-06-02T00:00:00Z' })]),
    ).toEqual([]);
    expect(await read('user_hard')).toBeUndefined();
    expect(await run(sql.hardDelete, [removal])).toEqual([]);
  });

  it('fills a missing created_at from a stale event, and never overwrites one', async () => {
    await run(sql.upsert, [user('user_fill', 9, 'f@example.test')]);
    await run(sql.upsert, [user('user_kept', 9, 'k@example.test', { created_at: '2025-01-01T00:00:00Z' })]);
    const stale = { created_at: '2024-01-01T00:00:00Z' };
    await run(sql.fillImmutable, [user('user_fill', 1, '', stale), user('user_kept', 1, '', stale)]);
    expect(await read('user_fill')).toMatchObject({
      created: '2024-01-01 00:00:00+00',
      email: 'f@example.test',
      version: '9',
    });
    expect((await read('user_kept'))?.created).toBe('2025-01-01 00:00:00+00');
  });

  it('takes one lock per distinct key', async () => {
    const keys = [{ key: 'user_a' }, { key: 'user_b' }, { key: 'user_a' }];
    const { rows } = await database.db.executeQuery(CompiledQuery.raw(sql.lockRows, [JSON.stringify(keys)]));
    expect(rows).toHaveLength(2);
  });
});

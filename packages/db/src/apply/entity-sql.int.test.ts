import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { userTable } from '../tables/user.table.js';
import { backends, openTestDatabase, uniqueSchema } from '../testing/test-database.js';
import { buildEntitySql, type EntitySql, qualified } from './entity-sql.js';

/**
 * The statements of entity-sql.test.ts, run as applyEvents runs them (one jsonb parameter) on each
 * backend, in a fresh schema that the migrations create: what the version guards mean, not only
 * what they say.
 */
describe.each(backends)('buildEntitySql, run on %s', (backend) => {
  const schema = uniqueSchema('entity_sql');
  let database: ClerkDatabase;
  let sql: EntitySql;

  beforeAll(async () => {
    database = await openTestDatabase(backend, schema);
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

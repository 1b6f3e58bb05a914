import { describe, expect, it } from 'vitest';
import { entityTables } from '../tables/entity-tables.js';
import { membershipTable } from '../tables/organization-membership.table.js';
import { userTable } from '../tables/user.table.js';
import { buildEntitySql, qualified } from './entity-sql.js';

const statementNames = ['upsert', 'tombstone', 'hardDelete', 'fillImmutable', 'owners', 'lockRows'] as const;

/** The order key of row `r` as the guards compare it: version, envelope timestamp, svix-id (bytewise). */
const key = (r: string) =>
  `(${r}."version", COALESCE(${r}."event_ts", -1), COALESCE(${r}."svix_id", '') COLLATE "C")`;
/** The instance guard: a row no instance owns yet, or one the writer's own instance owns. */
const owned = (row: string, writer: string) =>
  `(${row}."instance_id" IS NULL OR ${row}."instance_id" IS NOT DISTINCT FROM ${writer}."instance_id")`;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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

  it('guards the upsert: only a live row with an equal or older order key is overwritten', () => {
    expect(users.upsert).toContain('ON CONFLICT ("id") DO UPDATE SET');
    expect(users.upsert).toMatch(
      new RegExp(
        `\\nWHERE t\\."deleted_at" IS NULL AND ${escapeRegExp(`${key('t')} <= ${key('excluded')} AND ${owned('t', 'excluded')}`)}\\nRETURNING "id"$`,
      ),
    );
    expect(users.upsert.match(/ <= /g)).toHaveLength(1);
    expect(users.upsert).toContain('"event_ts" = excluded."event_ts", "svix_id" = excluded."svix_id"');
  });

  it('skips upserts and tombstones for ids that were hard-deleted', () => {
    const check = `NOT EXISTS (SELECT 1 FROM "tenant_a"."tombstones" tb WHERE tb."entity" = 'users' AND tb."id" = x."id")`;
    expect(users.upsert).toContain(`WHERE ${check}`);
    expect(users.tombstone).toContain(`WHERE ${check}`);
  });

  it('guards the tombstone: it replaces a live row whatever its version, a tombstone only when later', () => {
    expect(users.tombstone).toMatch(
      new RegExp(
        `\\nWHERE \\(t\\."deleted_at" IS NULL OR ${escapeRegExp(`${key('t')} < ${key('excluded')}) AND ${owned('t', 'excluded')}`)}\\nRETURNING "id"$`,
      ),
    );
    expect(users.tombstone).toContain('"external_id" = COALESCE(excluded."external_id", t."external_id")');
    expect(users.tombstone).toContain('"deleted_at" = excluded."deleted_at"');
  });

  it('guards the hard delete: a tombstones entry is replaced only by a later order key', () => {
    expect(users.hardDelete).toContain('DELETE FROM "tenant_a"."users" AS t');
    expect(users.hardDelete).toMatch(
      new RegExp(
        `\\nWHERE ${escapeRegExp(`${key('tb')} < ${key('excluded')} AND ${owned('tb', 'excluded')}`)}\\nRETURNING "id"$`,
      ),
    );
    // Another instance's row is neither removed nor shadowed by a tombstones entry.
    expect(users.hardDelete).toContain(`WHERE t."id" = d."id" AND ${owned('t', 'd')}`);
    expect(users.hardDelete).toContain(
      `WHERE NOT EXISTS (SELECT 1 FROM "tenant_a"."users" o WHERE o."id" = x."id" AND NOT ${owned('o', 'x')})`,
    );
  });

  it('records the writer’s instance, claims a row that records none, and never moves a row to another', () => {
    for (const statement of [users.upsert, users.tombstone]) {
      expect(statement).toContain('"instance_id" = COALESCE(t."instance_id", excluded."instance_id")');
    }
    expect(users.hardDelete).toContain('"instance_id" = COALESCE(tb."instance_id", excluded."instance_id")');
    expect(users.fillImmutable).toContain(`WHERE t."id" = x."id" AND ${owned('t', 'x')} AND (`);
    expect(users.owners).toContain('COALESCE(t."instance_id", tb."instance_id") AS "instance_id"');
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
        '"event_ts" bigint',
        '"svix_id" text',
        '"instance_id" text',
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

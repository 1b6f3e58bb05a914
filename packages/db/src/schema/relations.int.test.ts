import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Database } from '../database.js';
import type { auditedTables } from '../migrations/2026-11-24T0910-create-audit-log.js';
import type { ClerkDatabase } from '../open-database.js';
import type { EntityTableName } from '../tables/entity-tables.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import type { ColumnType } from './column.js';
import { type RelationName, relations } from './relations.js';

/** `information_schema.columns` spells types its own way; these are the ones that differ from ours. */
const typeNames: Readonly<Record<string, ColumnType>> = {
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
};

/**
 * One line per column, `view top_users.email text null`, so that a failure prints a line diff.
 * Postgres reports every view column as nullable, so a view's line says `null` whatever the
 * definition claims about its query.
 */
function line(
  kind: string,
  relation: string,
  column: string,
  type: string,
  nullable: boolean,
  filled: string,
) {
  return `${kind} ${relation}.${column} ${type}${nullable ? ' null' : ' not null'}${filled === 'never' ? '' : ` ${filled}`}`;
}

function defined(): string[] {
  return relations
    .flatMap((r) =>
      Object.entries(r.columns).map(([name, c]) =>
        line(r.kind, r.name, name, c.type, r.kind === 'view' || c.nullable, c.filled),
      ),
    )
    .sort();
}

async function migrated(database: ClerkDatabase): Promise<string[]> {
  const { rows } = await sql<{
    table_type: string;
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: 'YES' | 'NO';
    column_default: string | null;
    is_identity: 'YES' | 'NO';
    identity_generation: string | null;
  }>`
    SELECT t.table_type, c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.column_default,
           c.is_identity, c.identity_generation
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = ${database.schema}
      AND c.table_name NOT IN ('kysely_migration', 'kysely_migration_lock')`.execute(database.db);
  return rows
    .map((c) => {
      const type =
        c.data_type === 'ARRAY'
          ? `${c.udt_name.replace(/^_/, '')}[]`
          : (typeNames[c.data_type] ?? c.data_type);
      const filled =
        c.is_identity === 'YES' && c.identity_generation === 'ALWAYS'
          ? 'always'
          : c.column_default !== null || c.is_identity === 'YES'
            ? 'default'
            : 'never';
      const kind = c.table_type === 'VIEW' ? 'view' : 'table';
      return line(kind, c.table_name, c.column_name, type, c.is_nullable === 'YES', filled);
    })
    .sort();
}

describe.each(backends)('table and view definitions on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('match what the migrations create, column by column: type, nullability, default', async () => {
    expect(await migrated(database)).toEqual(defined());
  });

  it('define every table and view of the schema once', async () => {
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = ${database.schema} AND table_name NOT IN ('kysely_migration', 'kysely_migration_lock')
      ORDER BY table_name`.execute(database.db);
    const names = relations.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(rows.map((r) => r.table_name));
  });
});

describe('the Database type', () => {
  it('has exactly the defined tables and views, and the synced tables are the audited ones', () => {
    expectTypeOf<keyof Database>().toEqualTypeOf<RelationName>();
    expectTypeOf<(typeof auditedTables)[number]>().toEqualTypeOf<EntityTableName>();
    expect(relations.map((r) => r.name).sort()).toEqual(
      expect.arrayContaining(['users', 'webhook_events', 'sync_state', 'audit_log', 'top_users']),
    );
  });
});

import { type Kysely, sql } from 'kysely';
import { commentOn } from './comments.js';

/**
 * One `DO` block with a `COMMENT ON` per table, view and column of the schema: one round trip. Every
 * migration that adds a table, view or column calls it last, so `\\d+` explains the new ones too.
 * Relations this project does not define (a view of your own in the schema) are left as they are.
 */
export async function commentOnEverything(db: Kysely<unknown>, schema: string): Promise<void> {
  const { rows } = await sql<{ relation: string; kind: 'r' | 'v'; column: string }>`
    SELECT c.relname AS relation, c.relkind AS kind, a.attname AS column
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'v')
    ORDER BY c.relname, a.attnum`.execute(db);
  const id = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const statements: string[] = [];
  const seen = new Set<string>();
  for (const { relation, kind, column } of rows) {
    if (!ours(relation)) continue;
    const qualified = `${id(schema)}.${id(relation)}`;
    const text = commentsOf(relation, column);
    if (!seen.has(relation)) {
      seen.add(relation);
      statements.push(`COMMENT ON ${kind === 'v' ? 'VIEW' : 'TABLE'} ${qualified} IS ${lit(text.relation)};`);
    }
    statements.push(`COMMENT ON COLUMN ${qualified}.${id(column)} IS ${lit(text.column)};`);
  }
  if (statements.length === 0) return;
  await sql.raw(`DO $comments$ BEGIN\n${statements.join('\n')}\nEND $comments$`).execute(db);
}

/** Kysely's own migration bookkeeping has no definition in `schema/`; described here. */
const bookkeeping: Record<string, { relation: string; columns: Record<string, string> }> = {
  kysely_migration: {
    relation: 'Migrations applied to this schema (Kysely).',
    columns: { name: 'Name of the migration.', timestamp: 'When it was applied.' },
  },
  kysely_migration_lock: {
    relation: "Kysely's migration lock row (migrations here lock with pg_advisory_xact_lock instead).",
    columns: { id: 'Lock id.', is_locked: 'Whether it is held.' },
  },
};

function ours(relation: string): boolean {
  return Object.hasOwn(bookkeeping, relation) || commentOn(relation) !== undefined;
}

function commentsOf(relation: string, column: string): { relation: string; column: string } {
  const own = Object.hasOwn(bookkeeping, relation) ? bookkeeping[relation] : undefined;
  const text = own
    ? { relation: own.relation, column: own.columns[column] }
    : { relation: commentOn(relation), column: commentOn(relation, column) };
  if (!text.relation || !text.column)
    throw new Error(`no comment for ${relation}.${column}: add one in schema/comments.ts`);
  return { relation: text.relation, column: text.column };
}

import { type Kysely, sql } from 'kysely';

/**
 * Earlier migrations created the audit trigger functions with unqualified table names, resolved
 * through `search_path` each time they run. Connections no longer set one (a transaction-mode pooler
 * cannot keep it), so each function of the schema gets the schema (then `pg_temp`) as its own `search_path`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ signature: string; schema: string }>`
    SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
           n.nspname AS schema
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema() AND p.prokind = 'f'
    ORDER BY 1`.execute(db);
  for (const { signature, schema } of rows) {
    // pg_temp last: left out, Postgres searches the temporary schema first, and a role allowed to create
    // temporary tables could shadow audit_log with one of its own and write without being audited.
    await sql`ALTER FUNCTION ${sql.raw(signature)} SET search_path = ${sql.id(schema)}, pg_temp`.execute(db);
  }
}

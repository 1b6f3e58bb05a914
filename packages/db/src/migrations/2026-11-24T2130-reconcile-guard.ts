import { type Kysely, sql } from 'kysely';
import { commentOnEverything } from '../schema/comment-on-everything.js';

/**
 * What a reconcile needs to refuse a wrong key and to report its drift to Prometheus: the Clerk
 * instance this copy belongs to (one row), and the last run's drift counts (the worker reads them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE clerk_instance (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      instance_id text NOT NULL,
      environment_type text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE drift_report (
      entity text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('missing', 'outdated', 'gone', 'deleted_locally')),
      rows integer NOT NULL,
      reported_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (entity, kind)
    )`.execute(db);
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  await commentOnEverything(db, rows[0]?.schema ?? 'public');
}

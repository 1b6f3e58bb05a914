import { type Kysely, sql } from 'kysely';

/** Where a backfill stopped, per object type, so an interrupted run resumes instead of starting over. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sync_state (
      object_type text PRIMARY KEY,
      cursor text,
      next_offset integer NOT NULL DEFAULT 0,
      seen integer NOT NULL DEFAULT 0,
      total integer,
      done boolean NOT NULL DEFAULT false,
      started_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

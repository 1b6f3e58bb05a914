import type { ClerkDatabase } from '@clerk-sync/db';
import { sql } from '@clerk-sync/db/testing';

/** The svix-ids in the inbox (`webhook_events`) of `schema`, one entry per row. */
export async function inboxIds(database: ClerkDatabase, schema: string): Promise<string[]> {
  const { rows } = await sql<{
    svix_id: string;
  }>`SELECT svix_id FROM ${sql.id(schema)}.webhook_events`.execute(database.db);
  return rows.map((r) => r.svix_id);
}

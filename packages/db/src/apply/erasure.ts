import { sql, type Transaction } from 'kysely';
import type { Database } from '../database.js';

/**
 * Right to erasure beyond the user's own row: before a user is tombstoned (or removed), clear their
 * personal data wherever else this schema may hold it — message recipients and content, invitation
 * and waitlist addresses. The inbox stores no payloads, and the audit log holds field names only.
 */
export async function eraseUserTraces(
  trx: Transaction<Database>,
  schema: string,
  userIds: readonly string[],
): Promise<void> {
  const ids = [...userIds];
  const table = (name: string) => sql.table(`${schema}.${name}`);
  const { rows } = await sql<{ email: string }>`
    SELECT email FROM ${table('users')} WHERE id = ANY(${ids}) AND email IS NOT NULL`.execute(trx);
  const emails = rows.map((r) => r.email);
  await sql`
    UPDATE ${table('messages')} SET to_address = NULL, subject = NULL, body = NULL
    WHERE user_id = ANY(${ids}) AND (to_address IS NOT NULL OR subject IS NOT NULL OR body IS NOT NULL)`.execute(
    trx,
  );
  await sql`
    UPDATE ${table('organization_invitations')} SET email_address = NULL
    WHERE email_address IS NOT NULL AND (user_id = ANY(${ids}) OR email_address = ANY(${emails}))`.execute(
    trx,
  );
  if (emails.length > 0) {
    await sql`UPDATE ${table('waitlist_entries')} SET email_address = NULL WHERE email_address = ANY(${emails})`.execute(
      trx,
    );
  }
}

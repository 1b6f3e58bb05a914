import type { ErasedSubject } from '@clerk-sync/events';
import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

/**
 * The users erased at or after `since`, each with the address hashes the registry holds for them:
 * what a purge of Redis needs (`purgeSubjects`). The worker reads those younger than the dead letters'
 * TTL, so a purge missed at delete time (a crash after the commit, Redis away, a job that failed
 * later) is done at the next sweep.
 */
export async function readRecentErasures(
  db: Kysely<Database>,
  since: Date,
  limit = 10_000,
): Promise<ErasedSubject[]> {
  const rows = await db
    .selectFrom('erased_subjects')
    .select(['user_id', 'kind', 'subject'])
    .where('erased_at', '>=', since)
    .orderBy('erased_at', 'desc')
    .limit(limit)
    .execute();
  const byUser = new Map<string, string[]>();
  for (const { user_id, kind, subject } of rows) {
    const hashes = byUser.get(user_id) ?? [];
    if (kind !== 'user') hashes.push(subject);
    byUser.set(user_id, hashes);
  }
  return [...byUser].map(([userId, addressHashes]) => ({ userId, addressHashes }));
}

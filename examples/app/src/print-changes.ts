import type { ClerkSyncClient, Subscription } from '@clerk-sync/client';

/**
 * Prints each change of the feed as one JSON line: seq, table, id, operation, version and the names
 * of the changed fields. The feed holds no values, so nothing personal reaches the output.
 */
export async function printChanges(
  client: ClerkSyncClient,
  from: number | undefined,
  write: (line: string) => void,
): Promise<Subscription> {
  const start = from ?? (await feedEnd(client));
  write(JSON.stringify({ msg: 'following changes', after: start }));
  return client.subscribe({ from: start }, (change) => {
    write(
      JSON.stringify({
        msg: 'change',
        seq: change.seq,
        entity: change.entity,
        id: change.entityId,
        op: change.op,
        version: change.version,
        fields: change.changedFields,
      }),
    );
  });
}

async function feedEnd(client: ClerkSyncClient): Promise<number> {
  const row = await client.db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('seq').as('end'))
    .executeTakeFirst();
  return Number(row?.end ?? 0);
}

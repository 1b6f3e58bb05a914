import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase, sql, testDatabaseUrl } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from './change.js';
import { type ClerkSyncClient, createClient } from './create-client.js';

const T0 = 1_760_000_000_000;
const docs = readFileSync(fileURLToPath(new URL('../../../docs/postgres.md', import.meta.url)), 'utf8');

/** The statements of the ```sql block after `<!-- test: name -->` in docs/postgres.md. */
function documented(name: string, reader: string, schema: string): string[] {
  const block = new RegExp(`<!-- test: ${name} -->\\s*\`\`\`sql\\n([\\s\\S]*?)\`\`\``).exec(docs)?.[1];
  if (!block) throw new Error(`docs/postgres.md has no "${name}" block`);
  return block
    .replaceAll('clerk_reader', reader)
    .replace(/\bclerk\b/g, schema)
    .replace(/ PASSWORD '[^']*'/g, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `testDatabaseUrl` as another role (the test server trusts local connections). */
function as(role: string): string {
  const url = new URL(testDatabaseUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

describe('the read-only app role of docs/postgres.md', () => {
  const reader = `rdr_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let database: ClerkDatabase;
  let client: ClerkSyncClient;
  const deliver = (svixId: string, event: unknown) =>
    prepareEvent({ v: 1, svixId, receivedAt: Date.now(), event: event as never });

  beforeAll(async () => {
    // The test's admin role migrated the schema, so it is the owner here.
    database = await openTestDatabase('postgres');
    for (const statement of [
      ...documented('reader', reader, database.schema),
      ...documented('reader-grants', reader, database.schema),
    ])
      await sql.raw(statement).execute(database.db);
    client = createClient({ databaseUrl: as(reader), schema: database.schema });
  });
  afterAll(async () => {
    await client?.close();
    await sql.raw(`DROP OWNED BY ${reader}`).execute(database.db);
    await sql.raw(`DROP ROLE IF EXISTS ${reader}`).execute(database.db);
    await database?.close();
  });

  it('reads the live views and follows the feed', async () => {
    const seen: Change[] = [];
    const subscription = client.subscribe({ from: 0, pollIntervalMs: 60_000 }, (change) => {
      seen.push(change);
    });
    const user = { kind: 'user' as const, id: 'user_reader', createdAt: T0 };
    await applyEvents(database.db, [deliver('msg_reader_1', makeEvent(user, 'created', T0))]);
    await expect.poll(() => seen.map((c) => c.entityId)).toEqual(['user_reader']);
    await subscription.close();
    const live = await client.db.selectFrom('users_live').select('id').execute();
    expect(live).toEqual([{ id: 'user_reader' }]);
    const members = await client.db.selectFrom('organization_members').select('user_id').execute();
    expect(members).toEqual([]);
    await expect(client.waitFor('users', 'user_reader', { minVersion: T0 })).resolves.toMatchObject({
      version: T0,
    });
  });

  it('can change nothing, and cannot read the sync’s bookkeeping, messages or the erasure registry', async () => {
    const table = (name: string) => `"${database.schema}"."${name}"`;
    const refused = [
      `INSERT INTO ${table('users')} (id, version) VALUES ('user_forged', 1)`,
      `UPDATE ${table('users')} SET first_name = 'x'`,
      `DELETE FROM ${table('changes')}`,
      `INSERT INTO ${table('changes')} (entity, entity_id, op, changed_fields) VALUES ('users', 'x', 'insert', '{}')`,
      `SELECT * FROM ${table('webhook_events')}`,
      `SELECT * FROM ${table('messages')}`,
      `SELECT * FROM ${table('erased_subjects')}`,
      `SELECT * FROM ${table('user_address_hashes')}`,
      `SELECT * FROM ${table('clerk_instance')}`,
      `SELECT * FROM ${table('kysely_migration')}`,
      `CREATE TABLE ${table('mine')} (id int)`,
    ];
    for (const statement of refused)
      await expect(sql.raw(statement).execute(client.db), statement).rejects.toThrow(/permission denied/);
  });
});

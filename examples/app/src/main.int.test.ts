import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase, testDatabaseUrl } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const T0 = 1_760_000_000_000;
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const deliver = (svixId: string, event: unknown) =>
  prepareEvent({ v: 1, svixId, receivedAt: Date.now(), event: event as never });

/**
 * The example as a user runs it: `node dist/main.js` against a migrated schema, lists users over
 * HTTP and prints changes of the feed as JSON lines on stdout.
 */
describe('the example app', () => {
  let database: ClerkDatabase;
  let child: ChildProcess;
  const lines: Record<string, unknown>[] = [];
  let url = '';

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    const user = { kind: 'user' as const, id: 'user_example_1', createdAt: T0 };
    await applyEvents(database.db, [deliver('msg_example_1', makeEvent(user, 'created', T0))]);
    child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: testDatabaseUrl,
        DB_SCHEMA: database.schema,
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += String(chunk);
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const deadline = Date.now() + 15_000;
    while (!lines.some((l) => l.msg === 'listening') && Date.now() < deadline && child.exitCode === null)
      await new Promise((resolve) => setTimeout(resolve, 50));
    url = String(lines.find((l) => l.msg === 'listening')?.url);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await database?.close();
  });

  it('lists the live users of the copy', async () => {
    const response = await fetch(`${url}/users`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { users: Array<{ id: string; email: string | null }> };
    expect(body.users.map((u) => u.id)).toEqual(['user_example_1']);
    expect(body.users[0]?.email).toContain('@example.test');
  });

  it('prints changes as they commit, ids and field names only, and lists the new state', async () => {
    const second = { kind: 'user' as const, id: 'user_example_2', createdAt: T0 + 1 };
    const first = { kind: 'user' as const, id: 'user_example_1', createdAt: T0 };
    await applyEvents(database.db, [deliver('msg_example_2', makeEvent(second, 'created', T0 + 1))]);
    await applyEvents(database.db, [deliver('msg_example_3', makeEvent(first, 'deleted', T0 + 2))]);
    await expect
      .poll(() => lines.filter((l) => l.msg === 'change').map((l) => `${l.id} ${l.op}`), { timeout: 5000 })
      .toEqual(['user_example_2 insert', 'user_example_1 delete']);
    const printed = JSON.stringify(lines);
    expect(printed).not.toContain('@example.test');
    expect(printed).toContain('"fields":[');
    const body = (await (await fetch(`${url}/users`)).json()) as { users: Array<{ id: string }> };
    expect(body.users.map((u) => u.id)).toEqual(['user_example_2']);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

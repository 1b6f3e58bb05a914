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

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
}

/** `node dist/main.js` on the schema, following the feed after `fromSeq`; its stdout as JSON lines. */
function start(schema: string, fromSeq: number): Running {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: testDatabaseUrl,
      DB_SCHEMA: schema,
      PORT: '0',
      FROM_SEQ: String(fromSeq),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += String(chunk);
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { child, lines };
}

const changes = (r: Running) => r.lines.filter((l) => l.msg === 'change');

/** A subscriber killed with SIGKILL and started again from the last seq it printed misses nothing. */
describe('the example app, killed and restarted', () => {
  let database: ClerkDatabase;
  const running: Running[] = [];
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const { child } of running)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.close();
  });

  it('prints every change committed while it was dead, once restarted from its last seq, in order', async () => {
    const user = (id: string) => ({ kind: 'user' as const, id, createdAt: T0 });
    const first = start(database.schema, 0);
    running.push(first);
    await applyEvents(database.db, [deliver('msg_kill_1', makeEvent(user('user_kill_1'), 'created', T0))]);
    await expect.poll(() => changes(first).length, { timeout: 10_000 }).toBe(1);
    const last = Number(changes(first).at(-1)?.seq);

    const dead = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await dead;
    await applyEvents(database.db, [
      deliver('msg_kill_2', makeEvent(user('user_kill_2'), 'created', T0 + 1)),
    ]);
    await applyEvents(database.db, [
      deliver('msg_kill_3', makeEvent(user('user_kill_1'), 'updated', T0 + 2)),
    ]);
    await applyEvents(database.db, [
      deliver('msg_kill_4', makeEvent(user('user_kill_2'), 'deleted', T0 + 3)),
    ]);

    const second = start(database.schema, last);
    running.push(second);
    await expect.poll(() => changes(second).length, { timeout: 10_000 }).toBe(3);
    expect(changes(second).map((l) => `${l.id} ${l.op}`)).toEqual([
      'user_kill_2 insert',
      'user_kill_1 update',
      'user_kill_2 delete',
    ]);
    const seqs = changes(second).map((l) => Number(l.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBeGreaterThan(last);
    second.child.kill('SIGTERM');
  });
});

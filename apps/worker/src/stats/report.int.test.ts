import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { makeEvent } from '@clerk-sync/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStats, renderStats } from './report.js';

describe('pnpm stats', () => {
  let database: ClerkDatabase;
  const week = Date.UTC(2026, 5, 1); // a Monday
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    const events = [
      ...[0, 1, 2].map((i) =>
        makeEvent({ kind: 'user', id: `user_w1_${i}`, createdAt: week + i }, 'created', week + i),
      ),
      makeEvent(
        { kind: 'user', id: 'user_w2_0', createdAt: week + 7 * 86_400_000 },
        'created',
        week + 7 * 86_400_000,
      ),
      makeEvent({ kind: 'organization', id: 'org_s', createdAt: week }, 'created', week),
      makeEvent(
        {
          kind: 'organization_membership',
          id: 'orgmem_s',
          createdAt: week,
          userId: 'user_w1_0',
          organizationId: 'org_s',
        },
        'created',
        week,
      ),
    ];
    await applyEvents(
      database.db,
      events.map((event, i) =>
        prepareEvent({ v: 1, svixId: `msg_stats_${i}`, receivedAt: 0, event: event as never }),
      ),
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it('reports totals, signups per week and the largest organization', async () => {
    const report = await readStats(database.db);
    expect(report.totals).toMatchObject({ users: 4, deletedUsers: 0, organizations: 1, memberships: 1 });
    expect(report.signupsPerWeek).toEqual([
      { week: '2026-06-01', signups: 3 },
      { week: '2026-06-08', signups: 1 },
    ]);
    expect(report.largestOrganizations).toEqual([
      { organizationId: 'org_s', name: `Org org_s v${week}`, members: 1 },
    ]);
  });

  it('draws signups per week as bars proportional to the counts', async () => {
    const text = renderStats(await readStats(database.db), 30);
    const bars = text.split('\n').filter((l) => l.includes('2026-06-'));
    expect(bars).toEqual([`  2026-06-01  ${'█'.repeat(30)} 3`, `  2026-06-08  ${'█'.repeat(10)} 1`]);
    expect(text).toContain('users 4 (+0 deleted)');
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { mayPruneAuditLog, type PrunedCounts, pruneExpired } from './prune-expired.js';

const NOW = new Date(Date.UTC(2026, 10, 24, 12));
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe.each(backends)('retention on %s', (backend) => {
  let database: ClerkDatabase;
  const table = (name: string) => sql.table(`${database.schema}.${name}`);
  const ids = async (name: string, column: string) =>
    (
      await sql<{ id: string }>`SELECT ${sql.ref(column)}::text AS id FROM ${table(name)} ORDER BY 1`.execute(
        database.db,
      )
    ).rows.map((r) => r.id);
  /** The audit rows this file wrote itself (the session inserts add audit rows of their own). */
  const auditIds = async () => (await ids('audit_log', 'entity_id')).filter((id) => id.startsWith('audit_'));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    // First, so that the feed rows the other inserts cause through the audit trigger come after them.
    for (const [entityId, age] of [
      ['change_old_1', 9],
      ['change_old_2', 8],
      ['change_new', 6],
    ] as const) {
      await sql`INSERT INTO ${table('changes')} (entity, entity_id, op, version, changed_fields, source, changed_at)
                VALUES ('users', ${entityId}, 'update', 1, ARRAY['first_name'], 'msg_x', ${daysAgo(age)})`.execute(
        db,
      );
    }
    for (const [id, age] of [
      ['msg_old_1', 40],
      ['msg_old_2', 31],
      ['msg_old_3', 35],
      ['msg_new', 29],
    ] as const) {
      await sql`INSERT INTO ${table('webhook_events')} (svix_id, type, received_at, outcome)
                VALUES (${id}, 'user.updated', ${daysAgo(age)}, 'applied')`.execute(db);
    }
    for (const [id, age] of [
      ['email_old', 100],
      ['email_new', 10],
      ['email_undated', null],
    ] as const) {
      await sql`INSERT INTO ${table('messages')} (id, kind, to_address, created_at)
                VALUES (${id}, 'email', 'someone@example.test', ${age === null ? null : daysAgo(age)})`.execute(
        db,
      );
    }
    for (const [id, status, age] of [
      ['sess_ended_old', 'ended', 120],
      ['sess_revoked_old', 'revoked', 95],
      ['sess_active_old', 'active', 200],
      ['sess_ended_new', 'ended', 5],
    ] as const) {
      await sql`INSERT INTO ${table('sessions')} (id, status, updated_at, version)
                VALUES (${id}, ${status}, ${daysAgo(age)}, ${daysAgo(age).getTime()})`.execute(db);
    }
    for (const [entityId, age] of [
      ['audit_old_1', 400],
      ['audit_old_2', 370],
      ['audit_new', 300],
    ] as const) {
      await sql`INSERT INTO ${table('audit_log')} (event_id, entity, entity_id, action, changed_fields, applied_at)
                VALUES ('msg_x', 'users', ${entityId}, 'update', ARRAY['first_name'], ${daysAgo(age)})`.execute(
        db,
      );
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses every write to the audit log outside a pruning transaction, and young rows inside one', async () => {
    const { db } = database;
    await expect(
      sql`DELETE FROM ${table('audit_log')} WHERE entity_id = 'audit_old_1'`.execute(db),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('clerk_sync.audit_prune_before', ${daysAgo(365).toISOString()}, true)`.execute(
          trx,
        );
        await sql`DELETE FROM ${table('audit_log')} WHERE entity_id = 'audit_new'`.execute(trx);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE ${table('audit_log')}`.execute(db)).rejects.toThrow(/append-only/);
    await expect(
      sql`UPDATE ${table('audit_log')} SET action = 'create' WHERE entity_id = 'audit_old_1'`.execute(db),
    ).rejects.toThrow(/append-only/);
    expect(await auditIds()).toEqual(['audit_new', 'audit_old_1', 'audit_old_2']);
  });

  it('prunes each kind of row past its age, in batches, and keeps the rest', async () => {
    expect(await mayPruneAuditLog(database.db)).toBe(true);
    const progress: PrunedCounts[] = [];
    const counts = await pruneExpired(
      database.db,
      { webhookEventsDays: 30, messagesDays: 90, sessionsDays: 90, auditLogDays: 365, changesDays: 7 },
      { batchSize: 2, now: NOW, onBatch: (c) => progress.push(c) },
    );
    expect(counts).toEqual({
      webhookEventsDays: 3,
      messagesDays: 1,
      sessionsDays: 2,
      auditLogDays: 2,
      changesDays: 2,
    });
    expect(progress.map((c) => c.webhookEventsDays)).toEqual([2, 3, 3, 3, 3, 3]);
    expect(await ids('webhook_events', 'svix_id')).toEqual(['msg_new']);
    expect(await ids('messages', 'id')).toEqual(['email_new', 'email_undated']);
    expect(await ids('sessions', 'id')).toEqual(['sess_active_old', 'sess_ended_new']);
    expect(await auditIds()).toEqual(['audit_new']);
    const changes = (await ids('changes', 'entity_id')).filter((id) => id.startsWith('change_'));
    expect(changes).toEqual(['change_new']);
  });

  it('never prunes the feed above a change it keeps, whatever the clock said', async () => {
    const { db } = database;
    for (const [entityId, at] of [
      ['gap_young', daysAgo(1)],
      ['gap_old_later_seq', daysAgo(10)],
    ] as const) {
      await sql`INSERT INTO ${table('changes')} (entity, entity_id, op, version, changed_fields, source, changed_at)
                VALUES ('users', ${entityId}, 'update', 1, ARRAY['first_name'], 'msg_x', ${at})`.execute(db);
    }
    const none = { webhookEventsDays: undefined, messagesDays: undefined, sessionsDays: undefined };
    await pruneExpired(db, { ...none, auditLogDays: undefined, changesDays: 7 }, { now: NOW });
    const left = (await ids('changes', 'entity_id')).filter((id) => id.startsWith('gap_'));
    expect(left).toEqual(['gap_old_later_seq', 'gap_young']);
  });

  it('keeps what the policy leaves unset', async () => {
    const counts = await pruneExpired(
      database.db,
      {
        webhookEventsDays: undefined,
        messagesDays: undefined,
        sessionsDays: undefined,
        auditLogDays: undefined,
        changesDays: undefined,
      },
      { now: new Date(NOW.getTime() + 10_000 * DAY) },
    );
    expect(counts).toEqual({
      webhookEventsDays: 0,
      messagesDays: 0,
      sessionsDays: 0,
      auditLogDays: 0,
      changesDays: 0,
    });
    expect(await ids('webhook_events', 'svix_id')).toEqual(['msg_new']);
  });
});

import { ClerkApi, syncEntity } from '@clerk-sync/backend-api';
import { applyEvents, type ClerkDatabase } from '@clerk-sync/db';
import { openTestDatabase } from '@clerk-sync/db/testing';
import { prepareEvent } from '@clerk-sync/events';
import { type CatalogKind, catalogObject, FakeClerk, TEST_INSTANCE_ID } from '@clerk-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { runBackfill } from './backfill.js';
import { runReconcile } from './reconcile.js';
import {
  domainsSource,
  invitationsSource,
  organizationsSource,
  permissionsSource,
  rolesSource,
  type Source,
  type SourceName,
  waitlistSource,
} from './sources.js';

type Row = Record<string, unknown>;

let fake: FakeClerk | undefined;
let database: ClerkDatabase | undefined;
afterEach(async () => {
  await fake?.close();
  await database?.close();
  fake = undefined;
  database = undefined;
});

const SEED = {
  organizations: 12,
  invitations: 230,
  domains: 130,
  roles: 120,
  permissions: 140,
  waitlistEntries: 250,
};

async function setup() {
  fake = new FakeClerk({ rateLimit: null });
  fake.seed(SEED);
  await fake.start();
  database = await openTestDatabase('postgres');
  const client = new ClerkApi({
    baseUrl: fake.url,
    secretKey: fake.secretKey,
    requestsPer10s: 100_000,
    maxTries: 2,
  });
  return { fake, database, api: client };
}

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms) : null);

/** Each new type: its source, its table, the fake's kind, and the row a Clerk object must become. */
const types: Array<{
  source: Source;
  table: 'organization_invitations' | 'organization_domains' | 'roles' | 'permissions' | 'waitlist_entries';
  kind: CatalogKind;
  path: string;
  expected: (o: Row) => Row;
}> = [
  {
    source: invitationsSource,
    table: 'organization_invitations',
    kind: 'organization_invitation',
    path: '/v1/organization_invitations',
    expected: (o) => ({
      organization_id: o.organization_id,
      email_address: o.email_address,
      role: o.role,
      role_name: o.role_name,
      status: o.status,
      expires_at: iso(o.expires_at),
    }),
  },
  {
    source: domainsSource,
    table: 'organization_domains',
    kind: 'organization_domain',
    path: '/v1/organization_domains',
    expected: (o) => ({
      organization_id: o.organization_id,
      name: o.name,
      enrollment_mode: o.enrollment_mode,
      verification_status: (o.verification as Row).status,
    }),
  },
  {
    source: rolesSource,
    table: 'roles',
    kind: 'role',
    path: '/v1/organization_roles',
    expected: (o) => ({
      key: o.key,
      name: o.name,
      description: o.description,
      is_creator_eligible: o.is_creator_eligible,
      permissions: (o.permissions as Row[]).map((p) => p.key),
    }),
  },
  {
    source: permissionsSource,
    table: 'permissions',
    kind: 'permission',
    path: '/v1/organization_permissions',
    expected: (o) => ({ key: o.key, name: o.name, description: o.description, type: o.type }),
  },
  {
    source: waitlistSource,
    table: 'waitlist_entries',
    kind: 'waitlist_entry',
    path: '/v1/waitlist_entries',
    expected: (o) => ({ email_address: o.email_address, status: o.status, is_locked: o.is_locked }),
  },
];

/** The fake's objects of a type, as the rows a backfill must leave, by id. */
function expectedRows(f: FakeClerk, t: (typeof types)[number]): Row[] {
  return f
    .objects(t.kind)
    .map((o) => ({
      id: o.id,
      version: o.updated_at,
      created_at: iso(o.created_at),
      updated_at: iso(o.updated_at),
      deleted_at: null,
      ...t.expected(o),
    }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/** The local rows of a type, in the columns {@link expectedRows} gives (read off the fake's objects). */
async function localRows(d: ClerkDatabase, f: FakeClerk, t: (typeof types)[number]): Promise<Row[]> {
  const rows = await d.db.selectFrom(t.table).selectAll().orderBy('id').execute();
  const columns = Object.keys(expectedRows(f, t)[0] ?? {});
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c, (r as Row)[c]])));
}

const newTypes = types.map((t) => t.source);

describe('backfill of invitations, domains, roles, permissions and waitlist entries', () => {
  it('copies each type, page by page, so that the rows equal what Clerk holds', async () => {
    const { fake, database, api } = await setup();
    const summary = await runBackfill({
      db: database.db,
      api,
      pageSize: 50,
      sources: [organizationsSource, ...newTypes],
    });
    expect(summary.types.map((t) => [t.name, t.fetched, t.applied, t.invalid, t.complete])).toEqual([
      ['organizations', 12, 12, 0, true],
      ['invitations', 230, 230, 0, true],
      ['domains', 130, 130, 0, true],
      ['roles', 120, 120, 0, true],
      ['permissions', 140, 140, 0, true],
      ['waitlist_entries', 250, 250, 0, true],
    ]);
    for (const t of types) {
      expect(await localRows(database, fake, t)).toEqual(expectedRows(fake, t));
      // One request per page of 50, oldest first: the last page is short (or empty at a multiple of 50).
      const pages = fake.requestsTo(t.path);
      expect(pages.length).toBe(Math.floor(fake.objects(t.kind).length / 50) + 1);
      expect(pages.every((r) => r.query.includes('order_by=%2Bcreated_at'))).toBe(true);
    }
  });

  it('leaves a row that a webhook made newer, and updates the others only through the version guard', async () => {
    const { fake, database, api } = await setup();
    const role = fake.object('role', 'role_0000007') as Row;
    const newer = { ...role, name: 'Renamed by a webhook', updated_at: Number(role.updated_at) + 60_000 };
    const event = {
      type: 'role.updated',
      object: 'event',
      instance_id: TEST_INSTANCE_ID,
      timestamp: newer.updated_at,
      data: newer,
    };
    await applyEvents(database.db, [
      prepareEvent({ v: 1, svixId: 'msg_role_newer', receivedAt: Date.now(), event: event as never }),
    ]);
    const summary = await runBackfill({ db: database.db, api, sources: [rolesSource] });
    expect(summary.types[0]).toMatchObject({ name: 'roles', fetched: 120, applied: 119, stale: 1 });
    const row = await database.db
      .selectFrom('roles')
      .select(['name', 'version'])
      .where('id', '=', 'role_0000007')
      .executeTakeFirst();
    expect(row).toEqual({ name: 'Renamed by a webhook', version: newer.updated_at });

    // A re-run writes the same rows, and still keeps the newer one.
    const before = await database.db.selectFrom('roles').selectAll().orderBy('id').execute();
    await runBackfill({ db: database.db, api, sources: [rolesSource] });
    expect(await database.db.selectFrom('roles').selectAll().orderBy('id').execute()).toEqual(before);
  });

  it.each(types.map((t) => [t.source.name, t] as const))(
    'resumes %s after an interruption at its next page, with its own checkpoint',
    async (name, t) => {
      const { fake, database, api } = await setup();
      const controller = new AbortController();
      let pages = 0;
      const first = await runBackfill({
        db: database.db,
        api,
        pageSize: 40,
        signal: controller.signal,
        sources: [organizationsSource, ...newTypes],
        progress: {
          start() {},
          finish() {},
          advance(type: string) {
            if (type === name && ++pages === 2) controller.abort();
          },
        },
      });
      expect(first.types.at(-1)).toMatchObject({ name, fetched: 80, complete: false });
      const before = fake.requestsTo(t.path).length;

      const second = await runBackfill({
        db: database.db,
        api,
        pageSize: 40,
        sources: [organizationsSource, ...newTypes],
      });
      const total = fake.objects(t.kind).length;
      const resumed = second.types.find((s) => s.name === name);
      expect(resumed).toMatchObject({ resumedAt: 80, fetched: total - 80, complete: true });
      // Started at offset 80, not at 0.
      expect(fake.requestsTo(t.path)[before]?.query).toContain('offset=80');
      expect(fake.requestsTo(t.path).length - before).toBe(Math.floor((total - 80) / 40) + 1);
      expect(await localRows(database, fake, t)).toEqual(expectedRows(fake, t));
      const state = await database.db
        .selectFrom('sync_state')
        .select(['object_type', 'done', 'seen'])
        .where('object_type', '=', name)
        .executeTakeFirst();
      expect(state).toEqual({ object_type: name, done: true, seen: total });
    },
  );
});

describe('reconcile of invitations, domains, roles, permissions and waitlist entries', () => {
  it('finds the missing, outdated and gone of each type, and with --apply fixes them', async () => {
    const { fake, database, api } = await setup();
    await runBackfill({ db: database.db, api, sources: [organizationsSource, ...newTypes] });
    const changes = new Map<SourceName, { gone: string; outdated: string; missing: string }>();
    for (const t of types) {
      const [first, second, third] = fake
        .objects(t.kind)
        .sort((a, b) => String(a.id).localeCompare(String(b.id)));
      if (!first || !second || !third) throw new Error('seed too small');
      fake.remove(t.kind, String(first.id));
      fake.put({ ...second, updated_at: Number(second.updated_at) + 5_000 });
      const organizationId = third.organization_id === undefined ? undefined : String(third.organization_id);
      const missing = `${String(third.id).split('_')[0]}_new`;
      fake.put(
        catalogObject(
          { kind: t.kind, id: missing, createdAt: Number(third.created_at), organizationId },
          Date.now() - 1000,
        ),
      );
      changes.set(t.source.name, { gone: String(first.id), outdated: String(second.id), missing });
    }

    const report = await runReconcile({ db: database.db, api, sources: newTypes });
    for (const t of types) {
      const change = changes.get(t.source.name);
      expect(report.find((d) => d.name === t.source.name)).toMatchObject({
        missing: [change?.missing],
        outdated: [change?.outdated],
        gone: [change?.gone],
        applied: 0,
      });
    }
    // Only reported: nothing changed yet.
    expect(
      await database.db.selectFrom('roles').select('id').where('deleted_at', 'is not', null).execute(),
    ).toEqual([]);

    const applied = await runReconcile({ db: database.db, api, sources: newTypes, apply: true });
    for (const t of types) {
      expect(applied.find((d) => d.name === t.source.name)?.applied).toBe(3);
      const gone = await database.db
        .selectFrom(t.table)
        .select(['deleted_at'])
        .where('id', '=', changes.get(t.source.name)?.gone ?? '')
        .executeTakeFirst();
      expect(gone?.deleted_at).toBeInstanceOf(Date);
      // Every live row now equals Clerk's copy.
      const live = (await localRows(database, fake, t)).filter((r) => r.deleted_at === null);
      expect(live).toEqual(expectedRows(fake, t));
    }
    // Personal columns of a tombstoned invitation and waitlist entry are nulled.
    const invitation = await database.db
      .selectFrom('organization_invitations')
      .select('email_address')
      .where('id', '=', changes.get('invitations')?.gone ?? '')
      .executeTakeFirst();
    expect(invitation).toEqual({ email_address: null });

    const clean = await runReconcile({ db: database.db, api, sources: newTypes });
    for (const d of clean) expect([d.missing, d.outdated, d.gone]).toEqual([[], [], []]);
  });

  it('calls a domain or invitation gone only when its organization confirms it, and refuses a large drift', async () => {
    const { fake, database, api } = await setup();
    await runBackfill({ db: database.db, api, sources: [organizationsSource, ...newTypes] });
    // A domain and an invitation whose organization is unknown to Clerk are gone; one named by no
    // organization never is.
    await database.db
      .updateTable('organization_domains')
      .set({ organization_id: 'org_elsewhere' })
      .where('id', '=', 'orgdmn_0000003')
      .execute();
    await database.db
      .updateTable('organization_invitations')
      .set({ organization_id: null })
      .where('id', '=', 'orginv_0000003')
      .execute();
    fake.remove('organization_domain', 'orgdmn_0000003');
    fake.remove('organization_invitation', 'orginv_0000003');
    const report = await runReconcile({ db: database.db, api, sources: [domainsSource, invitationsSource] });
    expect(report.find((d) => d.name === 'domains')?.gone).toEqual(['orgdmn_0000003']);
    expect(report.find((d) => d.name === 'invitations')?.gone).toEqual([]);

    // 20 of 250 waitlist entries (8%) gone: refused without --force.
    for (let k = 0; k < 20; k++) fake.remove('waitlist_entry', `wle_${String(k).padStart(7, '0')}`);
    await expect(
      runReconcile({ db: database.db, api, sources: [waitlistSource], apply: true }),
    ).rejects.toThrow(/waitlist_entries: 20 of 250 live rows/);
    const tombstoned = await database.db
      .selectFrom('waitlist_entries')
      .select('id')
      .where('deleted_at', 'is not', null)
      .execute();
    expect(tombstoned).toEqual([]);
  });
});

describe('sync by id of invitations, domains, roles and permissions', () => {
  it('fetches each by its prefix, through the version guard, and writes nothing for a 404', async () => {
    const { fake, database, api } = await setup();
    const options = { db: database.db, api };
    expect(await syncEntity('role_0000004', options)).toMatchObject({ status: 'applied', kind: 'role' });
    expect(await syncEntity('perm_0000004', options)).toMatchObject({
      status: 'applied',
      kind: 'permission',
    });
    // Not local yet: an invitation or domain needs its organization named.
    expect(await syncEntity('orginv_0000005', options)).toMatchObject({ status: 'not_found' });
    const invitation = fake.object('organization_invitation', 'orginv_0000005') as Row;
    const domain = fake.object('organization_domain', 'orgdmn_0000005') as Row;
    const organizationId = String(invitation.organization_id);
    expect(await syncEntity('orginv_0000005', { ...options, organizationId })).toMatchObject({
      status: 'applied',
      kind: 'organization_invitation',
    });
    expect(
      await syncEntity('orgdmn_0000005', { ...options, organizationId: String(domain.organization_id) }),
    ).toMatchObject({ status: 'applied', kind: 'organization_domain' });
    for (const t of types.filter((x) => x.kind !== 'waitlist_entry')) {
      const rows = await localRows(database, fake, t);
      expect(rows).toEqual(expectedRows(fake, t).filter((r) => rows.some((l) => l.id === r.id)));
      expect(rows).toHaveLength(1);
    }

    // Local now: the invitation and domain are found through the organization on their rows.
    fake.put({ ...invitation, status: 'revoked', updated_at: Number(invitation.updated_at) + 1_000 });
    fake.put({ ...domain, enrollment_mode: 'enterprise_sso', updated_at: Number(domain.updated_at) + 1_000 });
    expect(await syncEntity('orginv_0000005', options)).toMatchObject({ status: 'applied' });
    expect(await syncEntity('orgdmn_0000005', options)).toMatchObject({ status: 'applied' });
    expect(
      fake.requestsTo(`/v1/organizations/${organizationId}/invitations/orginv_0000005`).at(-1)?.status,
    ).toBe(200);
    const rows = await database.db.selectFrom('organization_invitations').select(['status']).execute();
    expect(rows).toEqual([{ status: 'revoked' }]);
    // An older copy in Clerk leaves the local row alone.
    fake.put({ ...domain, enrollment_mode: 'manual_invitation', updated_at: Number(domain.updated_at) - 1 });
    expect(await syncEntity('orgdmn_0000005', options)).toMatchObject({ status: 'stale' });
    expect(
      await database.db.selectFrom('organization_domains').select(['enrollment_mode']).execute(),
    ).toEqual([{ enrollment_mode: 'enterprise_sso' }]);

    // Gone from Clerk: not found, and the local row stays live.
    fake.remove('role', 'role_0000004');
    fake.remove('organization_domain', 'orgdmn_0000005');
    expect(await syncEntity('role_0000004', options)).toMatchObject({ status: 'not_found' });
    expect(await syncEntity('orgdmn_0000005', options)).toMatchObject({ status: 'not_found' });
    expect(await syncEntity('perm_nowhere', options)).toMatchObject({ status: 'not_found' });
    const live = await database.db.selectFrom('roles').select('deleted_at').execute();
    expect(live).toEqual([{ deleted_at: null }]);
  });
});

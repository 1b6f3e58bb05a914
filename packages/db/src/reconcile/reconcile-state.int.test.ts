import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { readDriftReport, saveDriftReport } from './drift-report.js';
import { readInstanceBinding, recordInstanceBinding } from './instance-binding.js';

describe.each(backends)('reconcile state (%s)', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database.close();
  });

  it('records the first instance and never replaces it with another', async () => {
    expect(await readInstanceBinding(database.db)).toBeUndefined();
    const first = { id: 'ins_first', environmentType: 'production' };
    expect(await recordInstanceBinding(database.db, first)).toEqual(first);
    expect(
      await recordInstanceBinding(database.db, { id: 'ins_other', environmentType: 'development' }),
    ).toEqual(first);
    expect(await readInstanceBinding(database.db)).toEqual(first);
  });

  it('keeps only the last drift report', async () => {
    expect(await readDriftReport(database.db)).toEqual({ counts: [], reportedAt: undefined });
    await saveDriftReport(database.db, [
      { entity: 'users', kind: 'gone', rows: 7 },
      { entity: 'users', kind: 'missing', rows: 2 },
    ]);
    await saveDriftReport(database.db, [
      { entity: 'organizations', kind: 'outdated', rows: 1 },
      { entity: 'users', kind: 'gone', rows: 0 },
    ]);
    const report = await readDriftReport(database.db);
    expect(report.counts).toEqual([
      { entity: 'organizations', kind: 'outdated', rows: 1 },
      { entity: 'users', kind: 'gone', rows: 0 },
    ]);
    expect(report.reportedAt).toBeInstanceOf(Date);
  });
});

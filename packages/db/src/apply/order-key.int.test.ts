import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkDatabase } from '../open-database.js';
import { backends, openTestDatabase } from '../testing/test-database.js';
import { orderOf } from './entity-sql.js';
import { compareOrderKeys, type OrderKey } from './order-key.js';

/** Characters where collations disagree: case, accents, the end of the BMP, beyond it. */
const tricky = [
  'A',
  'Z',
  'a',
  'z',
  '_',
  '0',
  '9',
  'é',
  'ß',
  'İ',
  '\uE000',
  '\uFFFD',
  '\u{1F600}',
  '\u{10FFFF}',
];
const keyArb: fc.Arbitrary<OrderKey> = fc.record({
  version: fc.constantFrom(1, 2),
  eventTs: fc.option(fc.constantFrom(0, 1, 2), { freq: 3 }),
  svixId: fc.option(
    fc.array(fc.constantFrom(...tricky), { maxLength: 4 }).map((cs) => `msg_${cs.join('')}`),
    { freq: 4 },
  ),
});

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe.each(backends)('the order key on %s', (backend) => {
  let database: ClerkDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  const pairs = fc.sample(fc.tuple(keyArb, keyArb), { numRuns: 2_000, seed: 16 });
  const expected = pairs.map(([a, b]) => sign(compareOrderKeys(a, b)));

  /** Compares every pair in SQL with `order`, reading svix-ids under `collation` (the column's default if null). */
  const compareInSql = async (order: (alias: string) => string, collation: string | null) => {
    const record = (k: OrderKey) => ({ version: k.version, event_ts: k.eventTs, svix_id: k.svixId });
    const rows = pairs.map(([a, b], i) => ({ i, a: record(a), b: record(b) }));
    const collate = collation === null ? '' : ` COLLATE ${JSON.stringify(collation)}`;
    const side = (alias: string) =>
      sql.raw(`(SELECT r.version, r.event_ts, r.svix_id${collate} AS svix_id
        FROM jsonb_to_record(p.${alias}) AS r(version bigint, event_ts bigint, svix_id text)) AS ${alias}`);
    const { rows: compared } = await sql<{ c: number }>`
      SELECT CASE WHEN ${sql.raw(order('a'))} < ${sql.raw(order('b'))} THEN -1
                  WHEN ${sql.raw(order('a'))} = ${sql.raw(order('b'))} THEN 0 ELSE 1 END AS c
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS p(i int, a jsonb, b jsonb)
      CROSS JOIN LATERAL ${side('a')} CROSS JOIN LATERAL ${side('b')}
      ORDER BY p.i`.execute(database.db);
    return compared.map((r) => r.c);
  };

  it('compares in SQL exactly as compareOrderKeys does in TypeScript', async () => {
    expect(await compareInSql(orderOf, null)).toEqual(expected);
    // The sample reaches every branch: each key part decides some pairs, and some pairs tie.
    const decidedBy = (a: OrderKey, b: OrderKey) =>
      a.version !== b.version ? 'version' : (a.eventTs ?? -1) !== (b.eventTs ?? -1) ? 'ts' : 'svix';
    expect(new Set(pairs.map(([a, b]) => decidedBy(a, b)))).toEqual(new Set(['version', 'ts', 'svix']));
    expect(expected.filter((c) => c === 0).length).toBeGreaterThan(0);
  });

  it.runIf(backend === 'postgres')(
    'keeps that order under a linguistic collation of the svix-id',
    async () => {
      const icu = 'und-x-icu';
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_collation WHERE collname = ${icu}`.execute(database.db);
      expect(rows[0]?.n).toBe(1);
      expect(await compareInSql(orderOf, icu)).toEqual(expected);
      // Without COLLATE "C" the same key would order some pairs differently: the clause matters.
      const linguistic = (alias: string) => orderOf(alias).replace(' COLLATE "C"', '');
      expect(await compareInSql(linguistic, icu)).not.toEqual(expected);
    },
  );
});

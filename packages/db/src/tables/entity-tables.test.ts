import { describe, expect, it } from 'vitest';
import { entityTables } from './entity-tables.js';

describe.each(entityTables.map((t) => [t.name, t] as const))('the %s definition', (_, table) => {
  const columns = Object.keys(table.columns);

  it('names only its own data columns as immutable, personal or kept on delete', () => {
    for (const list of [table.immutable, table.personal, table.keptOnDelete]) {
      expect(columns).toEqual(expect.arrayContaining([...list]));
    }
  });

  it('never keeps a personal column on a tombstone', () => {
    const personal = new Set<string>(table.personal);
    expect(table.keptOnDelete.filter((c) => personal.has(c))).toEqual([]);
    expect(table.immutable.filter((c) => personal.has(c))).toEqual([]);
  });

  it('gives each kept column one rule: immutable facts are kept already', () => {
    const immutable = new Set<string>(table.immutable);
    expect(table.keptOnDelete.filter((c) => immutable.has(c))).toEqual([]);
  });
});

it('keeps external_id on deleted users, as docs/privacy.md promises', () => {
  const users = entityTables.find((t) => t.name === 'users');
  expect(users?.keptOnDelete).toEqual(['external_id']);
  expect(users?.immutable).toContain('created_at');
});
